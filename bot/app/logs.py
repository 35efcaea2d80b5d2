"""Log set-up for operators: one line per record with `key=value` context, on stderr.

What is logged is decided where it is logged: ids, kinds, counts, outcomes and Meta's error
codes, never message text, usernames, tokens or secrets. Three guards catch what libraries log
on their own: secrets in URL queries (`hub.verify_token=…` in the access log at DEBUG, an
unsubscribe token, an OAuth code) are masked in every line; aiosqlite, which logs each call with
its SQL parameters at DEBUG, is kept at INFO and SQLAlchemy, which logs result rows at DEBUG, at
WARNING; and every engine hides bound parameters
(foundation.database.create_engine), so SQLAlchemy's log lines and exception messages, tracebacks
included, never carry buyers' data.
"""

from __future__ import annotations

import logging
import re
import sys

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


# Query parameters that carry a secret or a credential somewhere wismo is reached or reaches.
SECRET_PARAMETERS = (
    "hub.verify_token",
    "hub.challenge",
    "token",
    "access_token",
    "input_token",
    "fb_exchange_token",
    "client_secret",
    "appsecret_proof",
    "code",
    "state",
    "password",
    "api_key",
    "key",
)
_NAMES = "|".join(re.escape(parameter) for parameter in SECRET_PARAMETERS)
# Only inside a query string (after `?` or `&`): a record's own `state=queued` context stays.
_SECRET_QUERY = re.compile(rf"(?i)(?<=[?&])((?:{_NAMES})=)[^&\s\"'#]*")
# Libraries whose DEBUG lines carry data wismo must not log (aiosqlite: each call with its
# parameters; SQLAlchemy: result rows), and the level they are kept at.
_QUIETED = {"aiosqlite": logging.INFO, "sqlalchemy.engine": logging.WARNING}


def redact(line: str) -> str:
    """`line` with the value of every secret query parameter replaced by `***`."""
    return _SECRET_QUERY.sub(r"\1***", line)


class KeyValueFormatter(logging.Formatter):
    """`time level logger: message key=value …`, the extras of a record as its context, with
    secret query parameters masked (`redact`)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        if context:
            line += " " + " ".join(f"{key}={value}" for key, value in sorted(context.items()))
        return redact(line)


def configure(level: str) -> None:
    """Send every log record at `level` or above to stderr, one line each."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name, floor in _QUIETED.items():
        logging.getLogger(name).setLevel(max(floor, root.level))
    if root.level > logging.DEBUG:
        # One line per HTTP request in or out drowns what matters at this volume.
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
        logging.getLogger("httpx").setLevel(logging.WARNING)


__all__ = ["SECRET_PARAMETERS", "KeyValueFormatter", "configure", "redact"]
