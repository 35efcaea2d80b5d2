"""Log set-up for operators: one line per record with `key=value` context, on stderr.

What is logged is decided where it is logged: ids, kinds, counts, outcomes and Meta's error
codes, never message text, usernames, tokens or secrets.
"""

from __future__ import annotations

import logging
import sys

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


class KeyValueFormatter(logging.Formatter):
    """`time level logger: message key=value …`, the extras of a record as its context."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        if not context:
            return line
        return line + " " + " ".join(f"{key}={value}" for key, value in sorted(context.items()))


def configure(level: str) -> None:
    """Send every log record at `level` or above to stderr, one line each."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    if root.level > logging.DEBUG:
        # One line per HTTP request in or out drowns what matters at this volume.
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
        logging.getLogger("httpx").setLevel(logging.WARNING)


__all__ = ["KeyValueFormatter", "configure"]
