"""The ``crmsync`` command line: a thin shell over library functions."""

from __future__ import annotations

import typer

from crmsync.cli import connect, dashboard, db, demo, emulate, errors, health, settings, sync

app = typer.Typer(
    name="crmsync",
    help="Two-way sync between HubSpot and Salesforce, with local emulators of both.",
    no_args_is_help=True,
    # A traceback must never print local variables: tokens live in some of them.
    pretty_exceptions_show_locals=False,
)
app.add_typer(emulate.app, name="emulate")
app.add_typer(settings.app, name="settings")
sync.register(app)
demo.register(app)
health.register(app)
dashboard.register(app)
app.add_typer(errors.app, name="errors")
app.add_typer(connect.app, name="connect")
app.add_typer(db.app, name="db")


if __name__ == "__main__":  # pragma: no cover
    app()
