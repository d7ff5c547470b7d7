"""Backfill reads through a Bulk API 2.0 query job, one result page per call.

A first sync of a large object through SOQL pages costs one call per 2,000 rows; a
Bulk 2.0 query job costs about five calls (create, a few polls, one per result page
of up to ``page_size`` rows) whatever the size, so above ``bulk_threshold`` rows the
connector backfills this way. The job reads everything up to ``until`` (the newest
SystemModstamp when the job started); changes after that are read by the normal
incremental query, whose overlap window and seen-pairs drop what the job delivered.
The job id and result locator live in the change cursor, so a backfill resumes after
a restart (R25) for as long as Salesforce keeps the job (7 days). A job may not select
a compound field (``BillingAddress``: Salesforce refuses the job), so the connector
hands :meth:`BulkReader.start` the fields :func:`records.bulk_selectable` keeps.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simple_salesforce.api import Salesforce
from simple_salesforce.util import exception_handler

from crmsync.connectors.base import RemoteRecord
from crmsync.connectors.salesforce import records, soql
from crmsync.connectors.salesforce.errors import BulkJobFailedError, json_object

_DONE = "JobComplete"
_FAILED = frozenset({"Failed", "Aborted"})


@dataclass(frozen=True, kw_only=True)
class BulkPage:
    """One page of a bulk backfill; ``locator`` is ``None`` after the last page."""

    records: list[RemoteRecord]
    locator: str | None


@dataclass(frozen=True, kw_only=True)
class BulkReader:
    """Runs and pages Bulk 2.0 query jobs with the connector's client."""

    client: Salesforce
    poll_seconds: float
    timeout_seconds: float
    sleep: Callable[[float], None] = time.sleep

    def start(self, object_type: str, *, fields: list[str], until: datetime) -> str:
        """Create the query job; its id."""
        query = (
            f"SELECT {soql.select_list(fields, required=soql.CHANGE_FIELDS)} "
            f"FROM {soql.checked_name(object_type)} "
            f"WHERE SystemModstamp <= {soql.datetime_literal(until)}"
        )
        job = json_object(
            self.client.restful(
                "jobs/query",
                method="POST",
                json={"operation": "query", "query": query, "lineEnding": "LF"},
            )
        )
        return str(job["id"])

    def wait(self, job_id: str) -> None:
        """Poll the job until it completes (raises when it fails or takes too long)."""
        deadline = time.monotonic() + self.timeout_seconds
        while True:
            job = json_object(self.client.restful(f"jobs/query/{job_id}"))
            state = str(job.get("state", ""))
            if state == _DONE:
                return
            if state in _FAILED:
                raise BulkJobFailedError(f"bulk query job {state}: {job.get('errorMessage', '')}")
            if time.monotonic() > deadline:
                raise BulkJobFailedError(f"bulk query job still {state} after the timeout")
            self.sleep(self.poll_seconds)

    def page(
        self,
        object_type: str,
        *,
        job_id: str,
        locator: str,
        page_size: int,
        types: Mapping[str, str],
    ) -> BulkPage:
        """One page of results (``locator`` empty for the first page)."""
        params: dict[str, Any] = {"maxRecords": page_size}
        if locator:
            params["locator"] = locator
        headers = {**self.client.headers, "Accept": "text/csv"}
        response = self.client.session.get(
            f"{self.client.bulk2_url}query/{job_id}/results", params=params, headers=headers
        )
        if response.status_code >= 300:
            exception_handler(response, name="bulk query results")
        rows = csv.DictReader(io.StringIO(response.content.decode("utf-8")))
        page = [records.remote_record(object_type, records.csv_row(row, types)) for row in rows]
        next_locator = response.headers.get("Sforce-Locator", "null")
        return BulkPage(
            records=page, locator=None if next_locator in ("", "null") else next_locator
        )
