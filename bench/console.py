"""Benchmark: the console's conversation list and search with 100,000 conversations.

Generates 100,000 conversations (two Instagram accounts; 4 messages each in 8 languages' worth of
phrasings; an order and a tracking number each; 2 % waiting for a person, half resolved, spread
over 90 days) with bulk inserts into a fresh, migrated SQLite file (on PostgreSQL followed by
ANALYZE, or the planner would plan for the empty tables it last saw); serves the real app
(create_app, no workers) on 127.0.0.1 and times each list and search request from a logged-in
console session: the server's own time (measured around the handler by a middleware) and the
whole request over loopback. Also reported: the same searches for a user granted one account.

With --postgres URL the same data goes into that PostgreSQL database too (it must be empty, or
hold this benchmark's data from an earlier run, which is reused) and is measured in the same
run, after SQLite, so the two columns share the machine's load.

    .venv/bin/python -m bench.console [--conversations 100000] [--runs 20] [--keep PATH] \
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/wismo_bench_search]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import random
import re
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web
from sqlalchemy import func, insert, select, text

from bot.app.database import migrate
from bot.app.factory import create_app
from bot.app.settings import Settings
from conversations.console import CONTEXT
from conversations.console.errors import UserExists
from conversations.tables import ConversationRow, MessageRow, ReferenceRow
from foundation.database import create_engine

ACCOUNTS = ("17841400000000001", "17841400000000002")
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
PASSWORD = "benchmark password"
BUYER = [
    "where is my order #{order}?",
    "hi, any news about my parcel {tracking}",
    "¿dónde está mi pedido {order}? llevo una semana esperando",
    "onde está minha encomenda {order}",
    "wo ist mein paket {tracking}",
    "où est mon colis, commande {order}",
    "我的货到哪儿了 {tracking}",
    "أين طلبي {order}",
]
BOT = [
    "Your parcel {tracking} is in transit with YunExpress; it left Shenzhen yesterday.",
    "Order {order} was delivered on Monday to your mailbox.",
    "Your parcel {tracking} is out for delivery today.",
    "I could not find order {order}; could you check the number?",
]
LANGUAGES = ("en", "en", "es", "pt", "de", "fr", "zh-Hans", "ar")
SUFFIXES = ("shop", "mama", "li", "kim")


def username_of(cid: int) -> str:
    return f"buyer{cid}_{SUFFIXES[cid % 4]}"


def tracking_of(cid: int) -> str:
    return f"YT{2200000000000000 + cid * 7919 % 10**15:016d}"


_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def generate(url: str, count: int, seed: int = 7) -> float | None:
    """Bulk-insert `count` conversations and ANALYZE; returns the seconds it took, or None when
    the database already holds them (an earlier run's data, reused)."""
    rng = random.Random(seed)
    engine = create_engine(url)
    started = time.perf_counter()
    try:
        await migrate(engine)
        async with engine.connect() as connection:
            present = await connection.scalar(select(func.count()).select_from(ConversationRow))
        if present == count:
            return None
        if present:
            raise SystemExit(f"{url} holds {present} conversations, not {count}: use a fresh one")
        batch = 5000
        for first in range(1, count + 1, batch):
            conversations: list[dict[str, Any]] = []
            messages: list[dict[str, Any]] = []
            references: list[dict[str, Any]] = []
            for cid in range(first, min(first + batch, count + 1)):
                last = NOW - timedelta(seconds=rng.uniform(0, 90 * 86400))
                created = last - timedelta(minutes=rng.uniform(1, 600))
                order = str(10000 + cid)
                tracking = tracking_of(cid)
                handed = rng.random() < 0.02
                conversations.append(
                    {
                        "id": cid,
                        "account_id": ACCOUNTS[0] if rng.random() < 0.9 else ACCOUNTS[1],
                        "igsid": str(7100000000000000 + cid),
                        "username": username_of(cid),
                        "name": None,
                        "language": rng.choice(LANGUAGES),
                        "created_at": created,
                        "last_message_at": last,
                        "last_buyer_at": last - timedelta(seconds=3),
                        "state": {},
                        "handoff_at": last if handed else None,
                        "handoff_reason": "buyer_asked" if handed else None,
                        "resolved": rng.random() < 0.5,
                    }
                )
                steps = [created, created + timedelta(seconds=3), last - timedelta(seconds=3), last]
                for index, at in enumerate(steps):
                    buyer = index % 2 == 0
                    template = rng.choice(BUYER if buyer else BOT)
                    messages.append(
                        {
                            "conversation_id": cid,
                            "direction": "in" if buyer else "out",
                            "author": "buyer" if buyer else "bot",
                            "kind": "text",
                            "mid": f"m{cid}-{index}" if buyer else None,
                            "text": template.format(order=order, tracking=tracking),
                            "payload": {},
                            "based_on": None if buyer else {"intent": "where_is_my_order"},
                            "status": "received" if buyer else "sent",
                            "created_at": at,
                            "recorded_at": at,
                        }
                    )
                for kind, value in (("order", order), ("tracking", tracking)):
                    references.append(
                        {
                            "conversation_id": cid,
                            "kind": kind,
                            "value": value,
                            "created_at": created,
                        }
                    )
            async with engine.begin() as connection:
                await connection.execute(insert(ConversationRow), conversations)
                await connection.execute(insert(MessageRow), messages)
                await connection.execute(insert(ReferenceRow), references)
        if engine.dialect.name == "postgresql":
            # As autovacuum would within a minute. Not on SQLite, which the service never
            # ANALYZEs: there, statistics turn the keyset page into a sort (0.4 ms -> 220 ms).
            async with engine.begin() as connection:
                await connection.execute(text("ANALYZE"))
    finally:
        await engine.dispose()
    return time.perf_counter() - started


def _settings(url: str) -> Settings:
    return Settings.from_mapping(
        {
            "WISMO_DATABASE_URL": url,
            "META_APP_SECRET": "bench-secret",
            "META_VERIFY_TOKEN": "bench-verify",
            "META_ACCESS_TOKEN": "bench-token",
            "WISMO_CONSOLE_LOGIN_ATTEMPTS": "1000",
        }
    )


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def measure(
    url: str, runs: int, count: int
) -> list[tuple[str, str, list[float], list[float], int]]:
    server_times: list[float] = []

    @web.middleware
    async def timing(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        response = await handler(request)
        server_times.append(time.perf_counter() - started)
        return response

    app = create_app(_settings(url), workers=False)
    app.middlewares.insert(0, timing)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    auth = app[CONTEXT].auth
    with contextlib.suppress(UserExists):  # a reused database has them from its first run
        await auth.create_user("owner", PASSWORD, all_accounts=True)
    with contextlib.suppress(UserExists):
        await auth.create_user("second", PASSWORD, accounts=[ACCOUNTS[1]])
    results = []
    try:
        for user in ("owner", "second"):
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
                form = await http.get("/console/login")
                token = _CSRF.search(form.text)
                assert token is not None
                await http.post(
                    "/console/login",
                    data={
                        "csrf": html.unescape(token.group(1)),
                        "username": user,
                        "password": PASSWORD,
                    },
                )
                deep = await _deep_cursor(http, pages=20)
                target = count // 2 + 321
                cases: list[tuple[str, dict[str, str]]] = [
                    ("first page", {}),
                    ("page 21 (keyset)", {"cursor": deep}),
                    ("username (exact)", {"q": username_of(target)}),
                    ("username prefix", {"q": f"@Buyer{target}"}),
                    ("order number", {"q": f"#{10000 + target}"}),
                    ("tracking number", {"q": tracking_of(target)}),
                    ("words, rare", {"q": "semana esperando"}),
                    ("words, common", {"q": "parcel"}),
                    ("words, Chinese", {"q": "货到哪"}),
                    ("needs a person", {"needs_person": "1"}),
                    ("unresolved + language", {"unresolved": "1", "language": "es"}),
                    ("date range (one week)", {"from": "2026-10-01", "to": "2026-10-07"}),
                    ("words + filters", {"q": "pedido", "unresolved": "1", "from": "2026-11-01"}),
                    ("common word + rare filter", {"q": "parcel", "needs_person": "1"}),
                    ("words matching nothing", {"q": "zebra crossing"}),
                ]
                for label, params in cases:
                    server: list[float] = []
                    whole: list[float] = []
                    shown = 0
                    for _ in range(runs):
                        server_times.clear()
                        started = time.perf_counter()
                        response = await http.get("/console/conversations", params=params)
                        whole.append(time.perf_counter() - started)
                        server.append(server_times[-1])
                        assert response.status_code == 200, response.text[:500]
                        shown = response.text.count('class="row"')
                    results.append((user, label, server, whole, shown))
    finally:
        await runner.cleanup()
    return results


async def _deep_cursor(http: httpx.AsyncClient, pages: int) -> str:
    cursor = ""
    for _ in range(pages):
        page = await http.get("/console/conversations", params={"cursor": cursor} if cursor else {})
        found = re.search(r"cursor=([A-Za-z0-9_\-]+)", page.text)
        assert found is not None
        cursor = found.group(1)
    return cursor


def _ms(values: list[float], share: float) -> str:
    ordered = sorted(values)
    return f"{1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]:.1f}"


def _prepared(url: str, count: int) -> None:
    seconds = asyncio.run(generate(url, count))
    backend = url.partition("+")[0]
    if seconds is None:
        print(f"{backend}: reusing the {count:,} conversations already there")
    else:
        print(f"{backend}: generated {count:,} conversations in {seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="SQLite file to reuse (generated if missing)")
    parser.add_argument("--postgres", help="also measure this PostgreSQL database, same run")
    args = parser.parse_args()
    columns: list[list[tuple[str, str, list[float], list[float], int]]] = []
    with tempfile.TemporaryDirectory() as directory:
        path = args.keep or Path(directory) / "console.db"
        urls = [f"sqlite+aiosqlite:///{path}"] + ([args.postgres] if args.postgres else [])
        for url in urls:
            _prepared(url, args.conversations)
        for url in urls:
            columns.append(asyncio.run(measure(url, args.runs, args.conversations)))
    names = ["SQLite", "PostgreSQL"][: len(columns)]
    head = " | ".join(f"{name} server p50 ms | {name} server p95 ms" for name in names)
    print(f"| user | request | rows | {head} | whole p50 ms ({names[-1]}) |")
    print("|---|---|---|" + "---|---|" * len(names) + "---|")
    for rows in zip(*columns, strict=True):
        user, label, _, whole, shown = rows[-1]
        assert all(row[4] == shown for row in rows), f"{label}: backends found different rows"
        figures = " | ".join(f"{_ms(row[2], 0.5)} | {_ms(row[2], 0.95)}" for row in rows)
        print(f"| {user} | {label} | {shown} | {figures} | {statistics.median(whole) * 1000:.1f} |")


if __name__ == "__main__":
    main()
