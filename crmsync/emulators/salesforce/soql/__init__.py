"""The SOQL engine of the Salesforce emulator: parse a query, run it over an org's rows.

Public surface (used by the emulator's ``/query`` and ``/queryAll`` handlers)::

    parse(text) -> Query                       # cached; raises SoqlError(MALFORMED_QUERY)
    execute(query, source, *, include_deleted, now, api_version) -> QueryResult

Supported subset and deliberate differences from Salesforce are listed in
``crmsync/emulators/salesforce/soql/README.md``.
"""

from __future__ import annotations

from crmsync.emulators.salesforce.soql.ast import Query
from crmsync.emulators.salesforce.soql.errors import SoqlError, SoqlErrorCode
from crmsync.emulators.salesforce.soql.executor import execute
from crmsync.emulators.salesforce.soql.parser import parse
from crmsync.emulators.salesforce.soql.source import QueryResult, QuerySource

__all__ = [
    "Query",
    "QueryResult",
    "QuerySource",
    "SoqlError",
    "SoqlErrorCode",
    "execute",
    "parse",
]
