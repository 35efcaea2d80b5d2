"""The read-only JSON API under /api/v1: conversations and their transcripts, bearer-token auth.

Every route, the OpenAPI document included, needs `Authorization: Bearer <WISMO_API_TOKEN>`
(compared in constant time); without a configured token the API refuses everything. The wire
shapes are the pydantic models below, and /api/v1/openapi.json is generated from them.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import models_json_schema

from conversations.console.context import context_of
from conversations.console.errors import BadInput
from conversations.console.inputs import ascii_token, row_id
from conversations.console.queries import PAGE_SIZE, ConsoleQueries
from conversations.console.web import criteria_from
from conversations.models import Conversation, Message

PUBLIC_API_ROUTES: frozenset[str] = frozenset()
"""No API route is open without the token (the security tests check every one)."""


class Wire(BaseModel):
    # Built at the API's first answer: a service whose API is never called holds none.
    model_config = ConfigDict(frozen=True, defer_build=True)


class ConversationOut(Wire):
    """One buyer's thread with one Instagram account."""

    id: int
    account_id: str
    igsid: str = Field(description="The buyer's Instagram-scoped id")
    username: str | None
    language: str | None
    created_at: datetime
    last_message_at: datetime | None
    last_buyer_at: datetime | None
    handoff_at: datetime | None = Field(description="Set while the conversation waits for a person")
    handoff_reason: str | None
    resolved: bool
    resolved_at: datetime | None
    delivery_issue: str | None
    references: list[ReferenceOut]
    has_exception: bool = Field(description="A parcel it is about is in exception")


class ReferenceOut(Wire):
    kind: str = Field(description='"order" or "tracking"')
    value: str


class MessageOut(Wire):
    id: int
    direction: Literal["in", "out"]
    author: Literal["buyer", "bot", "merchant", "echo"]
    kind: str
    text: str | None
    created_at: datetime
    status: str
    status_reason: str | None
    based_on: dict[str, Any] | None = Field(
        description="For a bot reply: what it was based on (intent, numbers, shipment snapshot)"
    )


class ConversationPage(Wire):
    items: list[ConversationOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page")


class ConversationDetail(Wire):
    conversation: ConversationOut
    messages: list[MessageOut]


class Problem(Wire):
    error: str


def _conversation(
    found: Conversation,
    references: tuple[tuple[str, str], ...] | list[tuple[str, str]],
    has_exception: bool,
) -> ConversationOut:
    return ConversationOut(
        id=found.id,
        account_id=found.account_id,
        igsid=found.igsid,
        username=found.username,
        language=found.language,
        created_at=found.created_at,
        last_message_at=found.last_message_at,
        last_buyer_at=found.last_buyer_at,
        handoff_at=found.handoff_at,
        handoff_reason=found.handoff_reason,
        resolved=found.resolved,
        resolved_at=found.resolved_at,
        delivery_issue=found.delivery_issue,
        references=[ReferenceOut(kind=kind, value=value) for kind, value in references],
        has_exception=has_exception,
    )


def _message(message: Message) -> MessageOut:
    return MessageOut(
        id=message.id,
        direction=message.direction.value,
        author=message.author.value,
        kind=message.kind.value,
        text=message.text,
        created_at=message.created_at,
        status=message.status.value,
        status_reason=message.status_reason,
        based_on=dict(message.based_on) if message.based_on is not None else None,
    )


def _json(model: BaseModel, status: int = 200) -> web.Response:
    return web.Response(
        body=model.model_dump_json(), status=status, content_type="application/json"
    )


def _problem(status: int, error: str, **headers: str) -> web.Response:
    return web.Response(
        body=Problem(error=error).model_dump_json(),
        status=status,
        content_type="application/json",
        headers=headers,
    )


@web.middleware
async def bearer(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    expected = context_of(request).options.api_token
    if expected is None:
        return _problem(403, "the API is disabled: set WISMO_API_TOKEN")
    header = ascii_token(request.headers.get("Authorization")) or ""
    scheme, _, sent = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip().encode(), expected):
        return _problem(401, "a valid bearer token is required", **{"WWW-Authenticate": "Bearer"})
    try:
        response = await handler(request)
    except BadInput as exc:
        return _problem(400, str(exc))
    response.headers.setdefault("Cache-Control", "no-store")
    return response


async def conversations(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    try:
        limit = max(1, min(int(request.query.get("limit", PAGE_SIZE)), 200))
    except ValueError:
        return _problem(400, "limit is a number from 1 to 200")
    account = request.query.get("account")
    numbers = {issue.number for issue in await context.ports.exceptions()}
    async with context.sessions() as session:
        page = await ConsoleQueries(session, frozenset({account}) if account else None).page(
            criteria_from(request.query),
            exception_numbers=numbers,
            cursor=request.query.get("cursor"),
            limit=limit,
        )
    return _json(
        ConversationPage(
            items=[
                _conversation(item.conversation, item.references, item.has_exception)
                for item in page.items
            ],
            next_cursor=page.next_cursor,
        )
    )


async def conversation(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    conversation_id = row_id(request.match_info["conversation_id"])
    if conversation_id is None:
        return _problem(404, "no such conversation")
    numbers = {issue.number for issue in await context.ports.exceptions()}
    async with context.sessions() as session:
        queries = ConsoleQueries(session, None)
        found = await queries.conversation(conversation_id)
        if found is None:
            return _problem(404, "no such conversation")
        messages = await queries.transcript(found.id)
        references = await queries.references(found.id)
    return _json(
        ConversationDetail(
            conversation=_conversation(
                found, references, any(value in numbers for _, value in references)
            ),
            messages=[_message(message) for message in messages],
        )
    )


_FILTERS: list[tuple[str, str, dict[str, Any]]] = [
    ("q", "Instagram username, order number, tracking number or words of a message", {}),
    ("needs_person", "Only conversations waiting for a person", {"type": "boolean"}),
    ("has_exception", "Only conversations about a parcel in exception", {"type": "boolean"}),
    ("unresolved", "Only conversations not marked resolved", {"type": "boolean"}),
    ("language", "Language code (en, es, zh-Hans, …)", {}),
    ("from", "Last message on or after this day (YYYY-MM-DD, UTC)", {"format": "date"}),
    ("to", "Last message on or before this day (YYYY-MM-DD, UTC)", {"format": "date"}),
    ("account", "Only this Instagram account id", {}),
    ("cursor", "The previous page's next_cursor", {}),
    ("limit", "Page size, 1 to 200 (default 50)", {"type": "integer"}),
]


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description of this API, its schemas generated from the wire models."""
    _, schemas = models_json_schema(
        [
            (ConversationPage, "serialization"),
            (ConversationDetail, "serialization"),
            (Problem, "serialization"),
        ],
        ref_template="#/components/schemas/{model}",
    )

    def ref(name: str) -> dict[str, Any]:
        return {
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}
        }

    errors = {
        "401": {"description": "No or a wrong bearer token", **ref("Problem")},
        "403": {"description": "The API is disabled (WISMO_API_TOKEN not set)", **ref("Problem")},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "wismo API",
            "version": "1",
            "description": (
                "Read-only access to conversations and what each bot reply was based on."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/conversations": {
                "get": {
                    "operationId": "listConversations",
                    "summary": "Conversations, newest first",
                    "parameters": [
                        {
                            "name": name,
                            "in": "query",
                            "required": False,
                            "description": description,
                            "schema": {"type": "string", **schema},
                        }
                        for name, description, schema in _FILTERS
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of conversations",
                            **ref("ConversationPage"),
                        },
                        "400": {"description": "A bad parameter", **ref("Problem")},
                        **errors,
                    },
                }
            },
            "/conversations/{conversation_id}": {
                "get": {
                    "operationId": "getConversation",
                    "summary": "One conversation with its whole transcript",
                    "parameters": [
                        {
                            "name": "conversation_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": {
                        "200": {"description": "The conversation", **ref("ConversationDetail")},
                        "404": {"description": "No such conversation", **ref("Problem")},
                        **errors,
                    },
                }
            },
        },
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


async def openapi(_request: web.Request) -> web.StreamResponse:
    return web.json_response(openapi_document())


__all__ = [
    "PUBLIC_API_ROUTES",
    "ConversationDetail",
    "ConversationOut",
    "ConversationPage",
    "MessageOut",
    "openapi_document",
]
