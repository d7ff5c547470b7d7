"""Log lines of long-running commands: the standard ``logging`` module, on stderr.

Human-readable by default (``2026-11-29T19:05:41Z INFO crmsync.run: run finished ...``);
``--log-format json`` writes one JSON object a line (``python-json-logger``) with the
same timestamp, level, logger and message, plus a run's ``summary`` when it has one.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from enum import StrEnum

from pythonjsonlogger.json import JsonFormatter

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _utc(seconds: float | None) -> time.struct_time:
    return time.gmtime(seconds)


class LogFormat(StrEnum):
    """How log lines are written."""

    TEXT = "text"
    JSON = "json"


class TextFormatter(logging.Formatter):
    """``time level logger: message``, UTC, with a run's summary as compact JSON."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", TIME_FORMAT)
        self.converter = _utc

    def format(self, record: logging.LogRecord) -> str:
        """The line, with ``summary`` appended when the record carries one."""
        line = super().format(record)
        summary = getattr(record, "summary", None)
        return line if summary is None else f"{line} {json.dumps(summary, sort_keys=True)}"


def configure_logging(log_format: LogFormat = LogFormat.TEXT, *, level: int = logging.INFO) -> None:
    """Send crmsync's log records to stderr in ``log_format`` (replacing earlier setup)."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format is LogFormat.JSON:
        json_formatter = JsonFormatter(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            datefmt=TIME_FORMAT,
        )
        json_formatter.converter = _utc
        handler.setFormatter(json_formatter)
    else:
        handler.setFormatter(TextFormatter())
    logger = logging.getLogger("crmsync")
    for old in list(logger.handlers):
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
