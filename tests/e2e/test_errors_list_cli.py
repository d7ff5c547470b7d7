"""``crmsync errors list``: record data is never markup or terminal control, the API's
code is shown, and ``--json``/``--csv`` give every column (R3, R27)."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner, Result

from crmsync.cli.main import app
from tests.e2e.conftest import World

LINK = "\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\"
"""An OSC 8 terminal hyperlink: a terminal would show "click me" pointing elsewhere."""

HOSTILE_LAST_NAME = "[/][bold red]Nope[/] " + LINK + " " + "L" * 90
"""Closing markup with nothing open (Rich raises MarkupError), a link, and too long for
Salesforce's 80-character LastName, so the record fails with the value in its message."""


def _failed_sync(world: World, database_url: str) -> dict[str, str]:
    world.hs_create(email="hostile@example.com", lastname=HOSTILE_LAST_NAME)
    env = world.cli_env(database_url)
    assert CliRunner().invoke(app, ["sync", "--once"], env=env).exit_code == 0
    return env


def _list(env: dict[str, str], *options: str) -> Result:
    result = CliRunner().invoke(app, ["errors", "list", *options], env=env)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


def test_r27_markup_and_terminal_links_in_record_data_are_shown_literally(
    world: World, database_url: str
) -> None:
    env = _failed_sync(world, database_url)

    shown = _list(env).stdout

    assert "\x1b" not in shown
    flat = "".join(shown.splitlines())
    assert "[/][bold red]Nope[/]" in flat
    assert "\\u001b]8;;https://evil.example/" in flat


def test_r3_the_table_shows_category_and_api_code_in_full_at_80_columns(
    world: World, database_url: str
) -> None:
    env = _failed_sync(world, database_url)

    shown = _list(env).stdout

    assert max(len(line) for line in shown.splitlines()) <= 80
    assert "…" not in shown
    (heading,) = [line for line in shown.splitlines() if line.startswith("#")]
    assert heading.split()[1:] == ["property_values", "STRING_TOO_LONG"]


def test_r3_json_and_csv_carry_every_column_and_the_value_unchanged(
    world: World, database_url: str
) -> None:
    env = _failed_sync(world, database_url)

    (as_json,) = json.loads(_list(env, "--json").stdout)
    (as_csv,) = list(csv.DictReader(io.StringIO(_list(env, "--csv").stdout)))

    assert as_json["api_code"] == as_csv["api_code"] == "STRING_TOO_LONG"
    assert as_json["category"] == as_csv["category"]
    assert as_json["hubspot_id"] == as_csv["hubspot_id"]
    assert "[/][bold red]Nope[/]" in as_json["api_message"]
    assert as_json["next_retry"]


def test_json_and_csv_together_are_refused(world: World, database_url: str) -> None:
    result = CliRunner().invoke(
        app, ["errors", "list", "--json", "--csv"], env=world.cli_env(database_url)
    )
    assert result.exit_code != 0
    assert "Traceback" not in result.output


def test_r3_a_wide_terminal_gets_a_table_with_the_code_column(
    world: World, database_url: str
) -> None:
    env = {**_failed_sync(world, database_url), "COLUMNS": "200"}

    shown = _list(env).stdout

    assert "\x1b" not in shown
    assert "Code" in shown
    assert "STRING_TOO_LONG" in shown
