"""A bounded mutation fuzzer over every route of a running wismo: odd path values, queries,
headers and bodies, with and without a valid session or signature. No answer is a 5xx, a
refused request stores nothing (the inbox and the conversation are as they were), and no secret
sent in a query reaches a log line."""

from __future__ import annotations

import json
import logging
import random
import re
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_from_bytes

import httpx
from sqlalchemy import func, select

from bot.app.logs import SECRET_PARAMETERS, KeyValueFormatter
from bot.pipeline.tables import InboxEvent
from conversations.store import ConversationStore
from tests.bot.harness import (
    VERIFY_TOKEN,
    WEBHOOK,
    encode,
    envelope,
    new_mid,
    signed_headers,
    text,
)
from tests.console.harness import (
    API_TOKEN,
    METRICS_TOKEN,
    add_user,
    console_wismo,
    merchant,
    routes_of,
    seed_conversation,
)

REQUESTS_PER_ROUTE = 3  # per route and kind of caller: ~260 requests, a few seconds
ODD_VALUES = [
    "",
    "0",
    "-1",
    "99999999999999999999",
    "9223372036854775808",
    "9999-12-31",
    "0001-01-01",
    "1e309",
    "NaN",
    "a\x00b",
    "\ud800 lone",
    "١٢٣",
    "%%%",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "x" * 3000,
    "[]",
    "{}",
    "null",
]
QUERY_NAMES = [
    "q", "from", "to", "cursor", "limit", "format", "days", "token", "next", "account",
    "language", "state", "code", "hub.mode", "hub.verify_token", "hub.challenge",
]  # fmt: skip
ODD_HEADERS: list[tuple[bytes, bytes]] = [
    (b"Cookie", b"wismo_session=\xff\xfe"),
    (b"Cookie", b"wismo_session=" + b"A" * 5000),
    (b"Authorization", b"Bearer \xff"),
    (b"Authorization", b"Basic Zm9vOmJhcg=="),
    (b"X-CSRF-Token", b"\x80\x81"),
    (b"Content-Type", b"application/x-www-form-urlencoded; charset=\xff"),
    (b"Content-Type", b"multipart/form-data; boundary="),
    (b"X-Forwarded-For", b"not-an-address, \xff"),
    (b"X-Hub-Signature-256", b"sha256=zz"),
]


def mutated_json(rng: random.Random, document: Any, depth: int = 0) -> Any:
    """`document` with one value somewhere swapped for an odd one, a key dropped or added."""
    if isinstance(document, dict) and document and depth < 6:
        key = rng.choice(sorted(document))
        roll = rng.random()
        copy = dict(document)
        if roll < 0.15:
            copy.pop(key)
        elif roll < 0.3:
            copy[rng.choice(["timestamp", "mid", "text", "id", "is_echo"])] = odd_json(rng)
        else:
            copy[key] = mutated_json(rng, document[key], depth + 1)
        return copy
    if isinstance(document, list) and document and depth < 6:
        index = rng.randrange(len(document))
        return [*document[:index], mutated_json(rng, document[index], depth + 1)]
    return odd_json(rng)


def odd_json(rng: random.Random) -> Any:
    nested: Any = "\u0000"
    for _ in range(rng.choice([1, 50, 700])):
        nested = [nested]
    return rng.choice(
        [
            [-1],
            -1,
            2**70,
            1e308,
            None,
            True,
            "\ud800 lone",
            "\u0000",
            "x" * 2000,
            {"nested": {"deeper": []}},
            nested,
        ]
    )


def webhook_body(rng: random.Random) -> bytes:
    body = envelope(text("7800000000000001", "where is #1042?", mid=new_mid()))
    roll = rng.random()
    if roll < 0.7:
        return json.dumps(mutated_json(rng, body), ensure_ascii=rng.random() < 0.5).encode(
            "utf-8", "surrogatepass"
        )
    raw = bytearray(encode(body))
    if roll < 0.85:
        return bytes(raw[: rng.randrange(len(raw))])
    raw[rng.randrange(len(raw))] = rng.randrange(256)
    return bytes(raw)


def encoded(pairs: dict[str, str]) -> str:
    """`a=…&b=…` with every value's bytes percent-encoded, lone surrogates included."""
    return "&".join(
        f"{quote(name)}={quote_from_bytes(value.encode('utf-8', 'surrogatepass'))}"
        for name, value in pairs.items()
    )


def request_for(
    rng: random.Random, method: str, path: str, real_id: int
) -> tuple[str, list[tuple[bytes, bytes]], bytes | None, bool]:
    """A mutated request to one route: its URL with a query, extra headers, a body and whether
    the body is a form."""
    values = [str(real_id), *ODD_VALUES[:8], "abc", "%ED%A0%80"]
    url = re.sub(r"\{[^}]+\}", lambda _: rng.choice(values), path)
    query = {
        name: rng.choice([*ODD_VALUES, VERIFY_TOKEN] if name in SECRET_PARAMETERS else ODD_VALUES)
        for name in rng.sample(QUERY_NAMES, rng.randrange(4))
    }
    if query:
        url += "?" + encoded(query)
    headers = rng.sample(ODD_HEADERS, rng.choice([0, 0, 1, 2]))
    if method != "POST":
        return url, headers, None, False
    if path.startswith("/webhooks"):
        return url, headers, webhook_body(rng), False
    form = {
        name: rng.choice(ODD_VALUES)
        for name in rng.sample(["text", "nonce", "csrf", "token", "username"], 3)
    }
    return url, headers, encoded(form).encode(), True


async def snapshot(wismo, conversation_id: int) -> tuple[Any, ...]:
    """What a refused POST must leave as it was: the inbox and the seeded conversation."""
    return (await inbox_size(wismo), await conversation_state(wismo, conversation_id))


async def inbox_size(wismo) -> int:
    """Events in the inbox once every acknowledged delivery has reached it (SQLite's spool)."""
    await wismo.stored()
    async with wismo.sessions() as session:
        return int(await session.scalar(select(func.count(InboxEvent.id))) or 0)


async def conversation_state(wismo, conversation_id: int) -> tuple[Any, ...]:
    async with wismo.sessions() as session:
        found = await ConversationStore(session).get(conversation_id)
    assert found is not None
    return (found.resolved, found.handoff_at, found.last_message_at)


async def fuzz(
    client: httpx.AsyncClient,
    wismo,
    routes: list[tuple[str, str, str | None]],
    real_id: int,
    rng: random.Random,
    tally: Counter[str],
    extra: Callable[[str, bytes | None], dict[str, str]],
) -> None:
    for method, path, _name in routes:
        for _ in range(REQUESTS_PER_ROUTE):
            url, odd_headers, body, form = request_for(rng, method, path, real_id)
            before = await snapshot(wismo, real_id) if method == "POST" else None
            wanted = extra(path, None if form else body)
            if form:
                wanted["Content-Type"] = "application/x-www-form-urlencoded"
            headers = [(k.encode(), v.encode()) for k, v in wanted.items()]
            request = client.build_request(method, url, headers=headers + odd_headers, content=body)
            response = await client.send(request)
            tally["requests"] += 1
            tally[f"{response.status_code // 100}xx"] += 1
            assert response.status_code < 500, (method, url, response.status_code)
            if before is not None and response.status_code >= 400:
                after = await snapshot(wismo, real_id)
                assert after == before, (method, url, "refused but changed something")


async def test_no_route_answers_5xx_stores_half_a_refused_request_or_logs_a_secret(
    aiohttp_server, database_url, caplog
):
    caplog.set_level(logging.INFO)  # the access log's level
    rng = random.Random(19)
    tally: Counter[str] = Counter()
    async with console_wismo(aiohttp_server, database_url) as wismo:
        seeded = await seed_conversation(wismo)
        await add_user(wismo, "anna")
        routes = routes_of(wismo.app)
        assert len(routes) >= 20
        anonymous = httpx.AsyncClient(base_url=wismo.url, timeout=30)

        def signatures(path: str, raw: bytes | None) -> dict[str, str]:
            if raw is not None and path == WEBHOOK and rng.random() < 0.6:
                return signed_headers(raw)
            return {}

        def credentials(path: str, raw: bytes | None) -> dict[str, str]:
            token = API_TOKEN if path.startswith("/api") else METRICS_TOKEN
            return {"Authorization": f"Bearer {token}"} | signatures(path, raw)

        async with anonymous, merchant(wismo) as anna:
            await anna.login("anna")
            await anna.page("/console/conversations")
            csrf = {"X-CSRF-Token": anna.csrf or ""}
            await fuzz(anonymous, wismo, routes, seeded.conversation_id, rng, tally, signatures)
            await fuzz(anonymous, wismo, routes, seeded.conversation_id, rng, tally, credentials)
            await fuzz(
                anna.http,
                wismo,
                routes,
                seeded.conversation_id,
                rng,
                tally,
                lambda path, raw: csrf | signatures(path, raw),
            )
    print(f"\nroute fuzzer: {len(routes)} routes, {dict(sorted(tally.items()))}")
    assert tally["5xx"] == 0
    formatter = KeyValueFormatter()  # wismo's own log lines
    logged = "\n".join(formatter.format(record) for record in caplog.records)
    assert "hub.verify_token=***" in logged
    for secret in (VERIFY_TOKEN, API_TOKEN, METRICS_TOKEN):
        assert secret not in logged
    assert tally["2xx"] > 0  # some requests were accepted: the fuzzer reached the handlers
