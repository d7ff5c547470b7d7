"""The ``crmsync`` command line: a thin shell over library functions.

Every failure reaches the user as one line naming what to fix and a non-zero exit
status (:mod:`crmsync.cli.failures`); ``crmsync --debug ...`` shows the traceback.
"""

from __future__ import annotations

from typing import Annotated

import typer

from crmsync.cli import (
    connect,
    dashboard,
    db,
    demo,
    emulate,
    errors,
    health,
    mappings,
    settings,
    sync,
)
from crmsync.cli.failures import DEBUG_KEY, ReportingGroup

app = typer.Typer(
    name="crmsync",
    help="Two-way sync between HubSpot and Salesforce, with local emulators of both.",
    no_args_is_help=True,
    # A traceback must never print local variables: tokens live in some of them.
    pretty_exceptions_show_locals=False,
    cls=ReportingGroup,
)


@app.callback()
def main(
    ctx: typer.Context,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", envvar="CRMSYNC_DEBUG", help="Show the full traceback of a failure."
        ),
    ] = False,
) -> None:
    """Two-way sync between HubSpot and Salesforce, with local emulators of both."""
    ctx.meta[DEBUG_KEY] = debug


app.add_typer(emulate.app, name="emulate")
app.add_typer(settings.app, name="settings")
app.add_typer(mappings.app, name="mappings")
sync.register(app)
demo.register(app)
health.register(app)
dashboard.register(app)
app.add_typer(errors.app, name="errors")
app.add_typer(connect.app, name="connect")
app.add_typer(db.app, name="db")


if __name__ == "__main__":  # pragma: no cover
    app()
