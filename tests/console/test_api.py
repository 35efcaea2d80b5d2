"""The read-only JSON API: the console's data for other tools, described by its OpenAPI document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from conversations.console.api import ConversationDetail, ConversationPage, openapi_document
from tests.console.data import cache_shipment
from tests.console.harness import API_TOKEN, OTHER_ACCOUNT, console_wismo, seed_conversation

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


async def test_conversations_are_listed_filtered_and_paged(aiohttp_server, database_url):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        for n in range(5):
            await seed_conversation(
                wismo,
                username=f"b{n}",
                at=datetime.now(UTC) - timedelta(minutes=n + 1),
                handoff="buyer_asked" if n % 2 else None,
                references=[("tracking", f"YT{n}")],
            )
        await seed_conversation(
            wismo,
            account=OTHER_ACCOUNT,
            username="elsewhere",
            at=datetime.now(UTC) - timedelta(seconds=30),
        )
        await cache_shipment(wismo.sessions, "YT3", status="exception", reason="lost")
        async with httpx.AsyncClient(base_url=wismo.url, headers=AUTH) as api:
            first = await api.get("/api/v1/conversations", params={"limit": 2})
            assert first.status_code == 200
            page = ConversationPage.model_validate_json(first.content)
            assert [item.username for item in page.items] == ["elsewhere", "b0"]
            names = [item.username for item in page.items]
            cursor = page.next_cursor
            while cursor:
                more = ConversationPage.model_validate_json(
                    (
                        await api.get(
                            "/api/v1/conversations", params={"limit": 2, "cursor": cursor}
                        )
                    ).content
                )
                names += [item.username for item in more.items]
                cursor = more.next_cursor
            assert sorted(names) == ["b0", "b1", "b2", "b3", "b4", "elsewhere"]
            waiting = ConversationPage.model_validate_json(
                (await api.get("/api/v1/conversations", params={"needs_person": "true"})).content
            )
            assert [item.username for item in waiting.items] == ["b1", "b3"]
            exceptions = ConversationPage.model_validate_json(
                (await api.get("/api/v1/conversations", params={"has_exception": "1"})).content
            )
            assert [(i.username, i.has_exception) for i in exceptions.items] == [("b3", True)]
            one_account = ConversationPage.model_validate_json(
                (await api.get("/api/v1/conversations", params={"account": OTHER_ACCOUNT})).content
            )
            assert [item.username for item in one_account.items] == ["elsewhere"]
            searched = ConversationPage.model_validate_json(
                (await api.get("/api/v1/conversations", params={"q": "YT4"})).content
            )
            assert [item.username for item in searched.items] == ["b4"]
            bad = await api.get("/api/v1/conversations", params={"limit": "many"})
            assert bad.status_code == 400


async def test_one_conversation_comes_with_its_transcript_and_what_replies_were_based_on(
    aiohttp_server, database_url
):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        seeded = await seed_conversation(wismo)
        async with httpx.AsyncClient(base_url=wismo.url, headers=AUTH) as api:
            response = await api.get(f"/api/v1/conversations/{seeded.conversation_id}")
            missing = await api.get("/api/v1/conversations/999999")
            nonsense = await api.get("/api/v1/conversations/abc")
        detail = ConversationDetail.model_validate_json(response.content)
        assert detail.conversation.id == seeded.conversation_id
        assert [(m.author, m.direction) for m in detail.messages] == [
            ("buyer", "in"),
            ("bot", "out"),
        ]
        assert detail.messages[0].based_on is None
        assert detail.messages[1].based_on is not None
        assert detail.messages[1].based_on["intent"] == "where_is_my_order"
        assert detail.messages[1].based_on["shipments"][0]["status"] == "in_transit"
        assert missing.status_code == 404
        assert nonsense.status_code == 404
        assert response.headers["Cache-Control"] == "no-store"


async def test_the_openapi_document_describes_every_route_from_the_wire_models(
    aiohttp_server, database_url
):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        async with httpx.AsyncClient(base_url=wismo.url, headers=AUTH) as api:
            served = (await api.get("/api/v1/openapi.json")).json()
        api_paths = sorted(
            resource.canonical.removeprefix("/api/v1")
            for resource in _subapp(wismo.app, "/api/v1").router.resources()
        )
    assert served == openapi_document()
    assert served["openapi"].startswith("3.1")
    assert sorted([*served["paths"], "/openapi.json"]) == api_paths
    schemas = served["components"]["schemas"]
    assert {"ConversationPage", "ConversationDetail", "ConversationOut", "MessageOut"} <= set(
        schemas
    )
    for ref in _refs(served):
        assert ref.removeprefix("#/components/schemas/") in schemas, ref
    parameters = {p["name"] for p in served["paths"]["/conversations"]["get"]["parameters"]}
    assert {
        "q",
        "needs_person",
        "has_exception",
        "unresolved",
        "language",
        "from",
        "to",
    } <= parameters
    assert served["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def _subapp(app, prefix):
    for resource in app.router.resources():
        info = resource.get_info()
        if info.get("prefix") == prefix and "app" in info:
            return info["app"]
    raise AssertionError(prefix)


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)
