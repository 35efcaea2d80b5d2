"""The console's search finds the same conversations on SQLite and PostgreSQL, indexed or not.

What is typed is found anywhere in a message (the middle of a word too), in any case, with `%`,
`_` and `\\` taken as themselves; a page of results holds each match once, newest first, under
every filter. On PostgreSQL a trigram index answers it (conversations_0005); where pg_trgm
cannot be created the migration still succeeds and search gives the same answers by scanning.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app.database import migrate
from conversations.console.queries import ConsoleQueries, ConversationFilter
from foundation.database import create_engine, create_sessions
from tests.bot.harness import ACCOUNT, Wismo
from tests.conftest import POSTGRES_URL
from tests.console.harness import console_wismo, seed_conversation

INDEX = "ix_messages_text_trgm"

# username → what the buyer wrote
TEXTS = {
    "ana": "Mi paquete llegó DESTROZADO",
    "ben": "50% off if it arrives late?",
    "cai": "I ordered 500 parcels",
    "dee": "the code a_b is on the box",
    "eli": "the code axb is on the box",
    "fay": "saved under C:\\temp\\orders",
    "gus": "una PIZZA fría",
}
# what is typed → who must be found, newest first (seeded oldest first, in TEXTS' order)
SEARCHES: dict[str, list[str]] = {
    "strozad": ["ana"],  # inside a word
    "destrozado": ["ana"],  # any case
    "LLEGÓ": ["ana"],
    "50%": ["ben"],  # not "500 parcels"
    "a_b": ["dee"],  # not "axb"
    "c:\\temp": ["fay"],
    "zz": ["gus"],  # shorter than a trigram
    "the code": ["eli", "dee"],
    "nothing of the sort": [],
}


async def _found(sessions: async_sessionmaker[AsyncSession], query: str) -> list[str | None]:
    async with sessions() as session:
        page = await ConsoleQueries(session, None).page(ConversationFilter(query=query))
    return [item.conversation.username for item in page.items]


async def _seed_texts(wismo: Wismo) -> None:
    start = datetime.now(UTC) - timedelta(hours=1)
    for minutes, (username, said) in enumerate(TEXTS.items()):
        await seed_conversation(
            wismo,
            username=username,
            buyer_text=said,
            bot_text=None,
            references=[],
            at=start + timedelta(minutes=minutes),
        )


async def test_text_is_found_anywhere_in_any_case_with_wildcards_taken_literally(
    aiohttp_server, database_url
):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        await _seed_texts(wismo)
        for query, expected in SEARCHES.items():
            assert await _found(wismo.sessions, query) == expected, query


async def test_a_search_pages_through_every_match_once_newest_first(aiohttp_server, database_url):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        start = datetime.now(UTC) - timedelta(hours=1)
        seeds: list[tuple[str, str, list[tuple[str, str]], str | None]] = [
            ("parcel.fan", "hello", [], None),  # by username prefix
            ("u1", "where is my parcel", [], "buyer_asked"),  # by text
            ("u2", "nothing here", [("order", "PARCEL")], None),  # by order number
            ("parcel", "my parcel is late", [], "buyer_asked"),  # by username and text
            ("u3", "hi", [], None),  # not a match
            ("u4", "Parcel lost", [("order", "#PARCEL")], None),  # by text and number
            ("u5", "another PARCEL", [], "buyer_asked"),
        ]
        for minutes, (username, said, references, handoff) in enumerate(seeds):
            await seed_conversation(
                wismo,
                username=username,
                buyer_text=said,
                bot_text=None,
                references=references,
                handoff=handoff,
                at=start + timedelta(minutes=minutes),
            )
        newest_first = [username for username, *_ in reversed(seeds) if username != "u3"]
        waiting = [username for username, *_, handoff in reversed(seeds) if handoff]
        for criteria, expected in (
            (ConversationFilter(query="parcel"), newest_first),
            (ConversationFilter(query="parcel", needs_person=True), waiting),
        ):
            async with wismo.sessions() as session:
                assert await _pages(ConsoleQueries(session, frozenset({ACCOUNT})), criteria) == [
                    expected[first : first + 2] for first in range(0, len(expected), 2)
                ]


async def _pages(queries: ConsoleQueries, criteria: ConversationFilter) -> list[list[str | None]]:
    pages, cursor = [], None
    while True:
        page = await queries.page(criteria, cursor=cursor, limit=2)
        pages.append([item.conversation.username for item in page.items])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


async def test_message_text_has_a_trigram_index_on_postgresql_only(engine):
    async with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            names = await connection.scalars(text("SELECT name FROM sqlite_master"))
            assert "messages_fts" in set(names)  # SQLite's own, unchanged
            assert INDEX not in set(names)
            return
        definition = await connection.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"), {"name": INDEX}
        )
        assert definition is not None
        assert "USING gin (text gin_trgm_ops)" in definition
        # The planner may use it for any substring pattern (it prefers a scan on tiny tables).
        await connection.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            await connection.scalars(
                text("EXPLAIN SELECT id FROM messages WHERE text ILIKE :pattern ESCAPE '\\'"),
                {"pattern": "%strozad%"},
            )
        )
        assert INDEX in plan


@asynccontextmanager
async def _database_without_pg_trgm() -> AsyncIterator[str]:
    """A fresh database and a role that may create tables in it but not extensions."""
    assert POSTGRES_URL is not None
    suffix = secrets.token_hex(4)
    name, role, password = f"wismo_no_trgm_{suffix}", f"wismo_no_trgm_{suffix}", secrets.token_hex()
    admin_url = make_url(POSTGRES_URL).set(drivername="postgresql")
    admin = await asyncpg.connect(admin_url.render_as_string(False))
    try:
        await admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
        await admin.execute(f"CREATE DATABASE {name}")
        inside = await asyncpg.connect(admin_url.set(database=name).render_as_string(False))
        try:
            await inside.execute(f"GRANT CREATE ON SCHEMA public TO {role}")
        finally:
            await inside.close()
        yield (
            make_url(POSTGRES_URL)
            .set(username=role, password=password, database=name)
            .render_as_string(False)
        )
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.execute(f"DROP ROLE IF EXISTS {role}")
        await admin.close()


@pytest.mark.postgres
async def test_without_pg_trgm_the_migration_succeeds_and_search_finds_the_same(
    aiohttp_server, caplog
):
    if not POSTGRES_URL:
        pytest.skip("WISMO_TEST_POSTGRES_URL is not set")
    async with _database_without_pg_trgm() as url:
        engine = create_engine(url)
        try:
            await migrate(engine)
            async with engine.connect() as connection:
                indexes: Sequence[str] = (
                    await connection.scalars(
                        text("SELECT indexname FROM pg_indexes WHERE tablename = 'messages'")
                    )
                ).all()
            assert INDEX not in indexes
            assert "pg_trgm could not be created" in caplog.text
            async with console_wismo(aiohttp_server, url) as wismo:
                await _seed_texts(wismo)
                sessions = create_sessions(engine)
                for query, expected in SEARCHES.items():
                    assert await _found(sessions, query) == expected, query
        finally:
            await engine.dispose()
