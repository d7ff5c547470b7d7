"""Bad input to ``crmsync`` gives one line naming the fix and a non-zero exit, never a
traceback; ``--debug`` shows the traceback (R27: clear errors)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from crmsync.cli.failures import CONFIGURATION_EXIT
from crmsync.cli.main import app


def _run(args: list[str], *, env: dict[str, str] | None = None) -> Result:
    # Every CRMSYNC_* variable of the caller is cleared: only what the test gives counts.
    cleared: dict[str, str | None] = {
        name: None for name in os.environ if name.startswith("CRMSYNC_")
    }
    return CliRunner().invoke(app, args, env={**cleared, **(env or {})})


def assert_one_line_failure(result: Result, *, mentions: str) -> str:
    """Non-zero exit, no traceback, exactly one line on stderr naming ``mentions``."""
    assert result.exit_code not in (0, None), result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert mentions in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory (no crmsync.toml)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _store_env(home: Path) -> dict[str, str]:
    return {"CRMSYNC_DATABASE_URL": f"sqlite:///{home / 'store.sqlite'}"}


def test_toml_that_does_not_parse_names_the_file(home: Path) -> None:
    (home / "crmsync.toml").write_text("page_size = [\n", encoding="utf-8")
    line = assert_one_line_failure(_run(["settings", "show"]), mentions="crmsync.toml")
    assert "not valid TOML" in line


def test_a_file_that_is_not_utf8_is_refused(home: Path) -> None:
    (home / "crmsync.toml").write_bytes(b'hubspot_url = "\xff"\n')
    assert_one_line_failure(_run(["settings", "show"]), mentions="UTF-8")


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("page_size = 5000", "page_size"),
        ('interval_seconds = "soon"', "interval_seconds"),
        ("batch_size = 0", "batch_size"),
        ('salesforce_sandbox = "maybe"', "salesforce_sandbox"),
    ],
)
def test_a_value_of_the_wrong_type_or_out_of_range_names_key_and_file(
    home: Path, line: str, key: str
) -> None:
    (home / "crmsync.toml").write_text(line + "\n", encoding="utf-8")
    message = assert_one_line_failure(_run(["settings", "show"]), mentions=key)
    assert "crmsync.toml" in message


def test_out_of_range_environment_value_names_the_variable(home: Path) -> None:
    result = _run(["settings", "show"], env={"CRMSYNC_PAGE_SIZE": "5000"})
    assert_one_line_failure(result, mentions="CRMSYNC_PAGE_SIZE")


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [("salesforce_tokn", "salesforce_token"), ("batchsize", "batch_size")],
)
def test_an_unknown_key_is_refused_with_the_closest_known_one(
    home: Path, key: str, suggestion: str
) -> None:
    (home / "crmsync.toml").write_text(f'{key} = "1"\n', encoding="utf-8")
    message = assert_one_line_failure(_run(["settings", "show"]), mentions=f"'{key}'")
    assert f"did you mean '{suggestion}'" in message


def test_a_missing_config_file_is_named(home: Path) -> None:
    result = _run(["settings", "show", "--config", str(home / "nope.toml")])
    assert_one_line_failure(result, mentions="nope.toml")


def test_missing_tokens_name_the_variables(home: Path) -> None:
    result = _run(["sync", "--once"], env=_store_env(home))
    assert_one_line_run_failure(result, mentions="CRMSYNC_SALESFORCE_TOKEN")


def assert_one_line_run_failure(result: Result, *, mentions: str) -> str:
    """A sync or resync that failed: one "Sync failed: ..." line naming the fix."""
    assert result.exit_code not in (0, None), result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Sync failed: ")
    assert mentions in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("url", ["mysqlx://db", "not a url", "sqlite+nodriver:///x.db"])
def test_a_bad_database_url_says_which_forms_work(home: Path, url: str) -> None:
    result = _run(["settings", "show"], env={"CRMSYNC_DATABASE_URL": url})
    assert_one_line_failure(result, mentions="sqlite:///PATH")


def test_a_store_where_no_directory_can_be_made_names_the_path(home: Path) -> None:
    # A missing directory is created; one under a plain file cannot be.
    (home / "plain-file").write_text("x", encoding="utf-8")
    url = f"sqlite:///{home / 'plain-file' / 'dir' / 's.sqlite'}"
    result = _run(["settings", "show"], env={"CRMSYNC_DATABASE_URL": url})
    assert_one_line_failure(result, mentions=str(home / "plain-file"))


def test_an_unreachable_postgresql_server_names_the_setting(home: Path) -> None:
    pytest.importorskip("psycopg")
    # Port 1 on loopback: nothing listens there, the connection is refused at once.
    url = "postgresql+psycopg://crmsync:secret@127.0.0.1:1/crmsync?connect_timeout=2"
    result = _run(["settings", "show"], env={"CRMSYNC_DATABASE_URL": url})
    message = assert_one_line_failure(result, mentions="CRMSYNC_DATABASE_URL")
    assert "secret" not in message


def test_a_read_only_store_is_reported_on_the_first_write(home: Path) -> None:
    store = home / "store.sqlite"
    assert _run(["settings", "show"], env=_store_env(home)).exit_code == 0
    # SQLite's own read-only mode: chmod would not stop a test running as root.
    read_only = f"sqlite:///file:{store}?mode=ro&uri=true"
    result = _run(
        ["settings", "set", "contacts.create_as=lead"],
        env={"CRMSYNC_DATABASE_URL": read_only},
    )
    assert_one_line_failure(result, mentions="readonly")


def test_settings_set_with_an_unknown_key_suggests_the_known_one(home: Path) -> None:
    result = _run(["settings", "set", "contacts.create_ass=lead"], env=_store_env(home))
    assert_one_line_failure(result, mentions="did you mean 'contacts.create_as'")


@pytest.mark.parametrize(
    "assignment",
    [
        "contacts.create_as=opportunity",
        "contacts.inclusion_list_id=-5",
        "contacts.inclusion_list_id=<script>",
        f"contacts.inclusion_list_id={'9' * 26}",
        "contacts.inclusion_list_id=²",
    ],
)
def test_settings_set_with_a_bad_value_is_refused_before_anything_is_written(
    home: Path, assignment: str
) -> None:
    key = assignment.partition("=")[0]
    result = _run(["settings", "set", assignment], env=_store_env(home))
    assert_one_line_failure(result, mentions=key)
    shown = _run(["settings", "show"], env=_store_env(home))
    assert '"contacts.create_as": "Contact"' in shown.stdout
    assert '"contacts.inclusion_list_id": null' in shown.stdout


def test_a_mapping_table_that_is_not_json_is_refused(home: Path) -> None:
    result = _run(
        ["settings", "set", "contacts.mappings.Lead=[{oops"],
        env={
            **_store_env(home),
            "CRMSYNC_SALESFORCE_TOKEN": "t",
            "CRMSYNC_HUBSPOT_TOKEN": "t",
        },
    )
    assert_one_line_failure(result, mentions="not valid JSON")


def test_debug_shows_the_traceback(home: Path) -> None:
    result = _run(["--debug", "settings", "set", "contacts.create_ass=lead"], env=_store_env(home))
    assert result.exit_code != 0
    assert result.exception is not None
    assert type(result.exception).__name__ == "SettingError"


def test_the_installed_command_prints_one_line_and_exits_non_zero(home: Path) -> None:
    (home / "crmsync.toml").write_text("page_size = 5000\n", encoding="utf-8")
    env = {name: value for name, value in os.environ.items() if not name.startswith("CRMSYNC_")}
    done = subprocess.run(
        [sys.executable, "-m", "crmsync.cli.main", "settings", "show"],
        capture_output=True,
        text=True,
        env=env,
        cwd=home,
        check=False,
        timeout=60,
    )
    assert done.returncode == CONFIGURATION_EXIT
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stderr.strip().count("\n") == 0
    assert "page_size" in done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["emulate", "hubspot", "--port", "80000"],
        ["emulate", "salesforce", "--port", "-1"],
        ["dashboard", "--port", "70000"],
        ["demo", "--port-hubspot", "70000"],
        ["run", "--interval", "-5"],
        ["usage", "--set-allocation", "-3"],
    ],
)
def test_out_of_range_options_are_usage_errors_before_anything_starts(
    home: Path, args: list[str]
) -> None:
    result = _run(args, env=_store_env(home))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "Invalid value" in result.output


def test_an_export_to_a_missing_directory_names_the_path(home: Path) -> None:
    target = home / "no" / "such" / "errors.csv"
    result = _run(["errors", "export", "--csv", str(target)], env=_store_env(home))
    assert_one_line_failure(result, mentions=str(target))


@pytest.mark.parametrize(
    ("variable", "meant"),
    [
        ("CRMSYNC_BATCHSIZE", "CRMSYNC_BATCH_SIZE"),
        ("CRMSYNC_SALESFORCE_TOKN", "CRMSYNC_SALESFORCE_TOKEN"),
        ("CRMSYNC_DATABASEURL", "CRMSYNC_DATABASE_URL"),
    ],
)
def test_a_misspelt_environment_variable_is_refused_with_the_known_one(
    home: Path, variable: str, meant: str
) -> None:
    result = _run(["settings", "show"], env={**_store_env(home), variable: "1"})
    assert_one_line_failure(result, mentions=f"did you mean {meant}")


def test_other_crmsync_variables_are_left_alone(home: Path) -> None:
    env = {**_store_env(home), "CRMSYNC_REQUIRE_BROWSER": "1", "CRMSYNC_HS_TIMEOUT_SECONDS": "5"}
    assert _run(["settings", "show"], env=env).exit_code == 0
