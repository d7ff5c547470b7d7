"""Every failure of a ``crmsync`` command as one line naming what to fix.

The command group (:class:`ReportingGroup`) catches what a command raises and prints
:func:`describe`'s line on standard error, with a non-zero exit status; the traceback
is shown only with ``crmsync --debug``. The translation is a table of exception types
(:data:`FAILURES`), tried in order, never a match on message text.

Exit statuses follow ``sysexits.h``: a setup the user must change exits 78
(``EX_CONFIG``), a passing fault that a later run gets past exits 75 (``EX_TEMPFAIL``,
as ``crmsync sync`` does for a spent allocation), anything else 1.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import typer
from alembic.util.exc import CommandError as AlembicCommandError
from pydantic import ValidationError
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

# Typer ships its own copy of click; its commands take that copy's Context.
from typer._click.core import Context as ClickContext
from typer.core import TyperGroup
from typer.exceptions import TyperException

from crmsync.config import describe_validation_error
from crmsync.connectors.errors import (
    ApiErrorMixin,
    AuthenticationError,
    PermissionDeniedError,
)
from crmsync.connectors.oauth import ReconnectRequiredError
from crmsync.errors import ConfigurationError, CrmsyncError, RetriableError

CONFIGURATION_EXIT = 78
"""``EX_CONFIG``: the setup is wrong; the message says what to change."""

TEMPORARY_EXIT = 75
"""``EX_TEMPFAIL``: a passing fault; nothing is lost, try again later."""

FAILURE_EXIT = 1
"""Anything else."""

DATABASE_HINT = (
    "check database_url (CRMSYNC_DATABASE_URL): the server must be reachable, "
    "a SQLite file's directory must exist and be writable"
)


@dataclass(frozen=True, kw_only=True)
class Failure:
    """One row of :data:`FAILURES`: an exception type, its one-line text, its exit status."""

    error: type[BaseException]
    text: Callable[[Any], str]
    exit_code: int


def _authentication(error: AuthenticationError) -> str:
    system = error.crm or "the CRM"
    said = _api_said(error)
    if system == "Salesforce":
        how = "run `crmsync connect salesforce --token TOKEN` or set CRMSYNC_SALESFORCE_TOKEN"
    elif system == "HubSpot":
        how = "set CRMSYNC_HUBSPOT_TOKEN (or hubspot_token) to a valid private-app token"
    else:
        how = "check the tokens in crmsync.toml or the CRMSYNC_* environment"
    return f"authentication failed: reconnect {system} ({how}){said}"


def _permission(error: PermissionDeniedError) -> str:
    system = error.crm or "the CRM"
    return (
        f"permission denied by {system}: give the integration user or app the missing "
        f"permission or scope{_api_said(error)}"
    )


def _api_said(error: ApiErrorMixin) -> str:
    detail = error.detail
    if detail is None:
        return ""
    # A bare code answered as text comes back as both code and message: say it once.
    said = ": ".join(dict.fromkeys(part for part in (detail.code, detail.message) if part))
    return f"; the API said {said}" if said else ""


def _database(error: SQLAlchemyError) -> str:
    reason = error.orig if isinstance(error, DBAPIError) else error.args[0] if error.args else ""
    return f"the state store cannot be used: {first_line(str(reason))}; {DATABASE_HINT}"


def _database_url(error: ArgumentError) -> str:
    return (
        f"database_url is not a usable database URL ({first_line(str(error))}); "
        "use sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/DB"
    )


FAILURES: Sequence[Failure] = (
    Failure(error=AuthenticationError, text=_authentication, exit_code=CONFIGURATION_EXIT),
    Failure(error=PermissionDeniedError, text=_permission, exit_code=CONFIGURATION_EXIT),
    Failure(error=ConfigurationError, text=str, exit_code=CONFIGURATION_EXIT),
    # Retriable for `crmsync run`, but a person must act: the message says how.
    Failure(error=ReconnectRequiredError, text=str, exit_code=CONFIGURATION_EXIT),
    Failure(error=RetriableError, text=str, exit_code=TEMPORARY_EXIT),
    Failure(error=CrmsyncError, text=str, exit_code=FAILURE_EXIT),
    Failure(
        error=ValidationError,
        text=lambda error: describe_validation_error(error, source=None),
        exit_code=CONFIGURATION_EXIT,
    ),
    Failure(error=ArgumentError, text=_database_url, exit_code=CONFIGURATION_EXIT),
    Failure(error=SQLAlchemyError, text=_database, exit_code=CONFIGURATION_EXIT),
    Failure(
        error=AlembicCommandError,
        text=lambda error: f"the state store's schema cannot be upgraded: {error}",
        exit_code=CONFIGURATION_EXIT,
    ),
    Failure(
        error=ImportError,
        text=lambda error: f"{error}: install the package (for PostgreSQL: crmsync[postgres])",
        exit_code=CONFIGURATION_EXIT,
    ),
    Failure(
        error=OSError,
        text=lambda error: (
            f"{error.strerror or error}" + (f": {error.filename}" if error.filename else "")
        ),
        exit_code=FAILURE_EXIT,
    ),
)
"""Exception type → one-line text and exit status; the first matching row wins."""


def first_line(text: str) -> str:
    """The first non-blank line of ``text``, without SQLAlchemy's background link."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return text.strip()


def one_line(text: str) -> str:
    """``text`` with every line break and run of blanks folded into one space."""
    return " ".join(text.split())


def describe(error: BaseException) -> tuple[str, int]:
    """The line to print and the exit status for ``error``.

    An exception no row names is a bug in crmsync: it is still one line (its type and
    message) with a pointer to ``--debug`` for the traceback.
    """
    for failure in FAILURES:
        if isinstance(error, failure.error):
            return one_line(failure.text(error)), failure.exit_code
    return (
        one_line(f"unexpected {type(error).__name__}: {error} (run with --debug for details)"),
        FAILURE_EXIT,
    )


DEBUG_KEY = "crmsync.debug"


class ReportingGroup(TyperGroup):
    """The top-level command group: failures become one line on standard error."""

    def invoke(self, ctx: ClickContext) -> Any:
        """Run the command; report a failure as one line unless ``--debug`` was given."""
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):
            # Usage errors and deliberate exits already say what they mean.
            raise
        except KeyboardInterrupt:
            typer.echo("error: interrupted", err=True)
            raise typer.Exit(code=130) from None
        except Exception as error:
            if ctx.meta.get(DEBUG_KEY):
                raise
            text, code = describe(error)
            typer.echo(f"error: {text}", err=True)
            sys.stderr.flush()
            raise typer.Exit(code=code) from None
