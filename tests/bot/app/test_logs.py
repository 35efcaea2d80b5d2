"""What wismo logs: at DEBUG, with the real dialogue and every library's own logging, no
secret and no buyer's data reaches a log line or an exception message."""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import text as sql
from sqlalchemy.exc import SQLAlchemyError

from bot.app import keys, logs
from bot.devtools.chat import import_demo_orders
from foundation.database import create_engine
from tests.bot.harness import VERIFY_TOKEN, running_wismo

EMAIL = "mia.thompson@example.com"
PHONE = "(415) 555-0134"
SECRET_TEXT = "my secret note 7f3a9c"


@contextlib.contextmanager
def logged_at(level: str) -> Iterator[io.StringIO]:
    """wismo's own log set-up at `level`, its lines captured; the test's logging put back."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    touched = ("aiosqlite", "aiohttp.access", "sqlalchemy.engine")
    quieted = {name: logging.getLogger(name).level for name in touched}
    buffer = io.StringIO()
    logs.configure(level)
    # SQLAlchemy's statement log turned on too (as `echo=True` would): statements, no values.
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    try:
        yield buffer
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
        for name, before in quieted.items():
            logging.getLogger(name).setLevel(before)


@pytest.mark.parametrize(
    "line",
    [
        '"GET /webhooks/instagram?hub.mode=subscribe&hub.verify_token=abc&hub.challenge=1 HTTP/1.1"',
        '"GET /updates/unsubscribe?token=12.AbCd HTTP/1.1"',
        '"GET /console/accounts/oauth/callback?code=AQBx&state=s1 HTTP/1.1"',
        "GET https://graph.instagram.com/me?fields=id&access_token=IGQVJ",
    ],
)
def test_secret_query_parameters_are_masked_in_every_line(line: str) -> None:
    masked = logs.redact(line)
    assert "=***" in masked
    for secret in ("abc", "12.AbCd", "AQBx", "s1 ", "IGQVJ"):
        assert secret not in masked


def test_libraries_that_log_values_at_debug_stay_above_it() -> None:
    with logged_at("DEBUG"):
        assert logging.getLogger("aiosqlite").getEffectiveLevel() > logging.DEBUG
        # SQLAlchemy logs result rows (orders' emails and phones) at DEBUG.
        assert logging.getLogger("sqlalchemy.engine.Engine").getEffectiveLevel() > logging.DEBUG


def test_a_records_own_context_is_not_masked() -> None:
    assert logs.redact("outbox: sent state=queued code=200") == "outbox: sent state=queued code=200"


async def test_at_debug_no_verify_token_sql_parameter_or_buyer_text_is_logged(
    aiohttp_server, database_url
):
    with logged_at("DEBUG") as lines:
        async with running_wismo(aiohttp_server, database_url, dialogue=True) as wismo:
            await import_demo_orders(wismo.sessions, wismo.app[keys.CLOCK])
            assert (await wismo.handshake("42")).status_code == 200
            await wismo.say("7400000000000001", f"order #1003, {EMAIL}")
            await wismo.say("7400000000000001", f"{SECRET_TEXT} phone {PHONE}")
            await wismo.wait_settled()
    written = lines.getvalue()
    assert "hub.verify_token=***" in written  # the access log line was there, masked
    assert "INSERT INTO" in written  # SQL was logged, without its parameters
    for secret in (VERIFY_TOKEN, EMAIL, "mia.thompson", SECRET_TEXT, "555-0134"):
        assert secret not in written, secret


async def test_a_database_error_message_carries_no_bound_parameter(database_url):
    engine = create_engine(database_url)
    try:
        with pytest.raises(SQLAlchemyError) as raised:
            async with engine.begin() as connection:
                await connection.execute(
                    sql("INSERT INTO no_such_table (email) VALUES (:email)"), {"email": EMAIL}
                )
    finally:
        await engine.dispose()
    assert EMAIL not in str(raised.value)
    assert "hidden" in str(raised.value)
