"""The merchant console's pages under /console: login, lists, one conversation, health, figures.
Their routes are declared in mount.py, which imports this module at the first request.

Every route but the login form and the stylesheet needs a live session (the `guard`
middleware), and every POST also needs the session's CSRF token. Pages are rendered by Jinja2
with autoescaping on, so whatever a buyer wrote is shown as text, never as markup; Jinja2
(2 MB resident) is loaded by the first page, so a service whose console nobody opens never
loads it.
"""

from __future__ import annotations

import csv
import hmac
import io
import json
import secrets
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from aiohttp import web

from conversations.console.accounts import FLAVOURS, SILENCE_CAUSES, banners, rows_of
from conversations.console.auth import ActiveSession, LoginRefusal, User
from conversations.console.basis import read_basis
from conversations.console.cells import safe_cell
from conversations.console.charts import bars, columns
from conversations.console.context import behind_tls, client_address, context_of
from conversations.console.errors import BadInput
from conversations.console.inputs import FIRST_DAY, ascii_token, day, plain_text, row_id
from conversations.console.oauth_state import new_state, state_valid
from conversations.console.ports import ConnectOutcome
from conversations.console.queries import (
    ConsoleQueries,
    ConversationFilter,
    days_between,
)
from conversations.console.tables import HandBackRow
from conversations.models import Author, Conversation, Message
from conversations.policy import PolicyNotices
from conversations.store import ConversationStore

if TYPE_CHECKING:
    import jinja2

HERE = Path(__file__).parent
SESSION_COOKIE = "wismo_session"
LOGIN_CSRF_COOKIE = "wismo_login_csrf"
PUBLIC_ROUTES = frozenset({"login", "login_submit", "static"})
"""Route names open without a session (the security tests enumerate every other route)."""

SESSION = web.RequestKey("console_session", ActiveSession)
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
NOTICES = {
    "queued": "Your message is queued and goes out in a moment.",
    "queued_human_agent": (
        "Your message is queued. The buyer wrote more than 24 hours ago, so it goes out with "
        "the HUMAN_AGENT tag."
    ),
    "handed_back": "The bot answers this buyer again.",
    "resolved": "Marked resolved.",
    "empty": "Write something to send.",
    "human_agent_window_closed": (
        "Not sent: the buyer last wrote more than 7 days ago, and Instagram lets nobody write "
        "until they write again."
    ),
    "no_buyer_message": "Not sent: the buyer has never written, so Instagram allows no message.",
    "window_closed": "Not sent: Instagram's window for this buyer has closed.",
}


def session_of(request: web.Request) -> ActiveSession:
    return request[SESSION]


def _queries(request: web.Request, session: Any) -> ConsoleQueries:
    return ConsoleQueries(session, session_of(request).user.scope)


async def _render(request: web.Request, template: str, **context: Any) -> web.Response:
    active = request.get(SESSION)
    console = context_of(request)
    now = console.clock()
    # The accounts' banners stand on every page (conversations/console/accounts.py).
    alerts = banners(await console.ports.accounts(active.user.scope), now) if active else []
    return _page(
        template,
        {
            "user": active.user if active else None,
            "csrf": active.csrf_token if active else None,
            "now": now,
            "path": request.path,
            "alerts": alerts,
            **context,
        },
    )


def _login_url(request: web.Request) -> str:
    target = request.path_qs
    return "/console/login" + (f"?next={quote(target)}" if target != "/console/login" else "")


def _safe_next(value: str | None) -> str:
    """Where to go after logging in: only a console path, never another site."""
    if value and value.startswith("/console/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/console/conversations"


@web.middleware
async def guard(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Refuse anonymous requests and POSTs without the session's CSRF token."""
    route = request.match_info.route
    if route.name not in PUBLIC_ROUTES:
        context = context_of(request)
        active = await context.auth.session(ascii_token(request.cookies.get(SESSION_COOKIE)))
        if active is None:
            if request.method in _SAFE_METHODS:
                raise web.HTTPSeeOther(_login_url(request))
            raise web.HTTPForbidden(text="log in first")
        if request.method not in _SAFE_METHODS:
            form = await request.post()
            sent = form.get("csrf")
            sent = sent if isinstance(sent, str) else request.headers.get("X-CSRF-Token")
            token = ascii_token(sent) or ""
            if not hmac.compare_digest(token.encode(), active.csrf_token.encode()):
                raise web.HTTPForbidden(text="missing or wrong CSRF token; reload the page")
        request[SESSION] = active
    try:
        response = await handler(request)
    except BadInput as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    for name, value in _HEADERS.items():
        response.headers.setdefault(name, value)
    if route.name != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


# --- logging in and out ----------------------------------------------------------------------


def _login_form(
    request: web.Request, *, error: str | None = None, status: int = 200
) -> web.Response:
    token = secrets.token_urlsafe(32)
    response = _page(
        "login.html",
        {
            "user": None,
            "csrf": None,
            "login_csrf": token,
            "error": error,
            "next": _safe_next(request.query.get("next")),
            "path": request.path,
        },
        status=status,
    )
    secure = behind_tls(request, context_of(request).options.trusted_proxies)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        path="/console/login",
        httponly=True,
        samesite="Strict",
        secure=secure,
        max_age=3600,
    )
    return response


async def login(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    if await context.auth.session(ascii_token(request.cookies.get(SESSION_COOKIE))) is not None:
        raise web.HTTPSeeOther(_safe_next(request.query.get("next")))
    return _login_form(request)


async def login_submit(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    form = await request.post()
    sent = ascii_token(str(form.get("csrf", ""))) or ""
    expected = ascii_token(request.cookies.get(LOGIN_CSRF_COOKIE))
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise web.HTTPForbidden(text="missing or wrong CSRF token; reload the login page")
    address = client_address(request, context.options.trusted_proxies)
    outcome = await context.auth.login(
        str(form.get("username", "")), str(form.get("password", "")), address=address
    )
    if outcome.refusal is LoginRefusal.RATE_LIMITED:
        return _login_form(
            request, error="Too many failed attempts. Wait 15 minutes and try again.", status=429
        )
    if outcome.token is None:
        return _login_form(request, error="Wrong user name or password.", status=401)
    response = web.HTTPSeeOther(_safe_next(str(form.get("next", ""))))
    response.set_cookie(
        SESSION_COOKIE,
        outcome.token,
        path="/console",
        httponly=True,
        samesite="Lax",
        secure=behind_tls(request, context.options.trusted_proxies),
    )
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/console/login")
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    token = ascii_token(request.cookies.get(SESSION_COOKIE))
    if token:
        await context_of(request).auth.logout(token)
    response = web.HTTPSeeOther("/console/login")
    response.del_cookie(SESSION_COOKIE, path="/console")
    raise response


async def home(_request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/console/conversations")


# --- the conversation list ------------------------------------------------------------------


def _start(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, UTC) if day is not None else None


def criteria_from(query: Mapping[str, str]) -> ConversationFilter:
    """The list's filters from a query string (the console's form and the JSON API).
    Raises BadInput for a day that cannot be read."""
    since = day(query.get("from"), "from")
    until = day(query.get("to"), "to")
    return ConversationFilter(
        query=plain_text(query.get("q"), 200),
        needs_person=query.get("needs_person") in ("1", "true", "on"),
        has_exception=query.get("has_exception") in ("1", "true", "on"),
        unresolved=query.get("unresolved") in ("1", "true", "on"),
        language=plain_text(query.get("language"), 35),
        since=_start(since),
        until=_start(until + timedelta(days=1)) if until is not None else None,
    )


async def conversations(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    criteria = criteria_from(request.query)
    numbers = {issue.number for issue in await context.ports.exceptions()}
    async with context.sessions() as session:
        page = await _queries(request, session).page(
            criteria, exception_numbers=numbers, cursor=request.query.get("cursor")
        )
    kept = {key: value for key, value in request.query.items() if key != "cursor" and value}
    more = (
        "/console/conversations?" + urlencode({**kept, "cursor": page.next_cursor})
        if page.next_cursor
        else None
    )
    return await _render(
        request,
        "conversations.html",
        page=page,
        form=request.query,
        more=more,
        export_query=urlencode(
            {key: value for key, value in request.query.items() if key in ("from", "to")}
        ),
    )


# --- one conversation -----------------------------------------------------------------------


async def _owned(request: web.Request) -> Conversation:
    """The conversation in the path, if the user may read it; 404 otherwise (whether it
    exists or not, so ids of other merchants' conversations cannot be probed)."""
    conversation_id = row_id(request.match_info["conversation_id"])
    if conversation_id is None:
        raise web.HTTPNotFound()
    async with context_of(request).sessions() as session:
        found = await _queries(request, session).conversation(conversation_id)
    if found is None:
        raise web.HTTPNotFound()
    return found


def _turns(messages: list[Message]) -> list[dict[str, Any]]:
    return [
        {
            "message": message,
            "basis": read_basis(message.based_on, message.created_at)
            if message.based_on is not None and message.author is Author.BOT
            else None,
        }
        for message in messages
    ]


async def conversation(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    found = await _owned(request)
    async with context.sessions() as session:
        queries = _queries(request, session)
        messages = await queries.transcript(found.id)
        references = await queries.references(found.id)
    updates = await context.ports.updates(found.id)
    sms_consent, sms_texts = await context.ports.sms(found.id)
    notice = request.query.get("notice")
    return await _render(
        request,
        "conversation.html",
        conversation=found,
        turns=_turns(messages),
        references=references,
        updates=updates,
        sms_consent=sms_consent,
        sms_texts=sms_texts,
        window=context.ports.reply_window(found.last_buyer_at),
        notice=NOTICES.get(notice or ""),
        refused=notice in ("human_agent_window_closed", "no_buyer_message", "window_closed"),
        nonce=uuid.uuid4().hex,
    )


def _back(conversation_id: int, notice: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"/console/conversations/{conversation_id}?notice={notice}")


async def reply(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    found = await _owned(request)
    form = await request.post()
    # Control characters (NUL among them, which PostgreSQL refuses) are no part of a reply.
    body = plain_text(str(form.get("text", "")), 4000)
    if not body:
        raise _back(found.id, "empty")
    nonce = plain_text(str(form.get("nonce", "")), 64) or uuid.uuid4().hex
    user = session_of(request).user
    outcome = await context.ports.send_as_person(
        found.id,
        body,
        author_ref=f"console:{user.username}",
        idempotency_key=f"console:{user.id}:{found.id}:{nonce}",
    )
    if not outcome.queued:
        raise _back(found.id, outcome.reason or "window_closed")
    raise _back(found.id, "queued_human_agent" if outcome.tag else "queued")


async def hand_back(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    found = await _owned(request)
    now = context.clock()
    async with context.sessions() as session, session.begin():
        current = await ConversationStore(session).get(found.id)
        if current is not None and current.handoff_at is not None:
            session.add(
                HandBackRow(
                    conversation_id=current.id,
                    account_id=current.account_id,
                    handoff_at=current.handoff_at,
                    handoff_reason=current.handoff_reason,
                    handed_back_at=now,
                    handed_back_by=session_of(request).user.username,
                )
            )
            await ConversationStore(session).hand_back(current.id)
    raise _back(found.id, "handed_back")


async def resolve(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    found = await _owned(request)
    async with context.sessions() as session, session.begin():
        await ConversationStore(session).resolve(found.id, context.clock())
    raise _back(found.id, "resolved")


# --- the hand-off inbox, health, figures ----------------------------------------------------


async def handoffs(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    async with context.sessions() as session:
        waiting = await _queries(request, session).waiting()
    return await _render(request, "handoffs.html", waiting=waiting)


async def health(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    try:
        days = max(1, min(int(request.query.get("days", "")), 365))
    except ValueError:
        days = context.options.stale_after.days or 1
    now = context.clock()
    async with context.sessions() as session:
        notices = PolicyNotices(session)
        standing, policy = await notices.standing(), await notices.recent()
    return await _render(
        request,
        "health.html",
        standing=standing,
        policy=policy,
        backlog=await context.ports.backlog(),
        sources=await context.ports.sources(),
        exceptions=await context.ports.exceptions(),
        silent=await context.ports.silent(now - timedelta(days=days), 200),
        days=days,
    )


async def _accounts_page(request: web.Request, **extra: Any) -> web.Response:
    context = context_of(request)
    found = await context.ports.accounts(session_of(request).user.scope)
    return await _render(
        request,
        "accounts.html",
        rows=rows_of(found, context.clock()),
        causes=SILENCE_CAUSES,
        flavours=FLAVOURS,
        business_login=context.ports.oauth_url("") is not None,
        **{"outcome": None, "flavour": "instagram_login", **extra},
    )


async def accounts(request: web.Request) -> web.StreamResponse:
    return await _accounts_page(request)


def _may_connect(request: web.Request) -> User:
    user = session_of(request).user
    if not user.all_accounts:
        raise web.HTTPForbidden(text="only a console user of every account may connect accounts")
    return user


async def _connected_page(
    request: web.Request, outcome: ConnectOutcome, **extra: Any
) -> web.Response:
    response = await _accounts_page(request, outcome=outcome, **extra)
    if not outcome.connected:
        response.set_status(400)
    return response


async def connect_account(request: web.Request) -> web.StreamResponse:
    """A pasted token, connected as `wismo meta connect` does. Only a user of every account
    may: a token replaces whatever account it belongs to, granted to the user or not."""
    user = _may_connect(request)
    form = await request.post()
    flavour = str(form.get("flavour", ""))
    outcome = await context_of(request).ports.connect_account(
        str(form.get("token", "")), flavour, by=user.username
    )
    return await _connected_page(
        request, outcome, flavour=flavour if flavour in FLAVOURS else "instagram_login"
    )


async def oauth_start(request: web.Request) -> web.StreamResponse:
    """Off to Instagram Business Login, with a `state` only this session can bring back."""
    _may_connect(request)
    context = context_of(request)
    url = context.ports.oauth_url(new_state(session_of(request).csrf_token, context.clock()))
    if url is None:
        raise web.HTTPNotFound(text="Instagram Login is off here: META_APP_ID is not set")
    raise web.HTTPSeeOther(url)


async def oauth_callback(request: web.Request) -> web.StreamResponse:
    """Back from Instagram: the state must be this session's, then the code is connected."""
    user = _may_connect(request)
    context = context_of(request)
    query = request.query
    if not state_valid(query.get("state", ""), session_of(request).csrf_token, context.clock()):
        raise web.HTTPForbidden(
            text="this login was not started from this session (or took too long): "
            "start it again from the accounts page"
        )
    code = query.get("code")
    if not code:
        said = query.get("error_description") or query.get("error_reason") or "no code was sent"
        outcome = ConnectOutcome(False, problem=f"Instagram did not let wismo in: {said[:200]}.")
    else:
        outcome = await context.ports.connect_code(code, by=user.username)
    return await _connected_page(request, outcome)


def period_from(query: Mapping[str, str], today: date, default_days: int) -> tuple[date, date]:
    """The inclusive [first, last] days a figures or export request asks for. Raises BadInput
    for a day that cannot be read."""
    last = day(query.get("to"), "to") or today
    first = day(query.get("from"), "from") or max(
        last - timedelta(days=default_days - 1), FIRST_DAY
    )
    if first > last:
        first, last = last, first
    return first, min(last, first + timedelta(days=366))


async def figures(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    first, last = period_from(request.query, context.clock().date(), context.options.figures_days)
    since = datetime.combine(first, time.min, UTC)
    until = datetime.combine(last + timedelta(days=1), time.min, UTC)
    async with context.sessions() as session:
        result = await _queries(request, session).figures(since, until)
    shipments = await context.ports.shipments(result.tracking_numbers)
    exceptions = [item for item in shipments if item.status == "exception"]
    reasons = Counter(item.exception_reason or "unknown" for item in exceptions).most_common(10)
    carriers = Counter(item.carrier or "unknown" for item in exceptions).most_common(10)
    counts = dict(result.per_day)
    per_day = [(day.isoformat(), counts.get(day, 0)) for day in days_between(since, until)]
    return await _render(
        request,
        "figures.html",
        figures=result,
        first=first,
        last=last,
        per_day_chart=columns(per_day, title="where is my order conversations per day"),
        handoff_chart=bars(result.handoffs, title="hand-offs by reason"),
        reason_chart=bars(reasons, title="exception reasons"),
        carrier_chart=bars(carriers, title="carriers with exceptions"),
        reasons=reasons,
        carriers=carriers,
    )


# --- export -----------------------------------------------------------------------------------

CSV_COLUMNS = [
    "conversation_id",
    "account_id",
    "username",
    "language",
    "handoff_reason",
    "resolved",
    "references",
    "message_id",
    "at",
    "author",
    "kind",
    "status",
    "intent",
    "text",
]


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def message_json(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "direction": message.direction.value,
        "author": message.author.value,
        "kind": message.kind.value,
        "text": message.text,
        "created_at": _iso(message.created_at),
        "status": message.status.value,
        "status_reason": message.status_reason,
        "based_on": dict(message.based_on) if message.based_on is not None else None,
    }


def conversation_json(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "account_id": conversation.account_id,
        "igsid": conversation.igsid,
        "username": conversation.username,
        "language": conversation.language,
        "created_at": _iso(conversation.created_at),
        "last_message_at": _iso(conversation.last_message_at),
        "last_buyer_at": _iso(conversation.last_buyer_at),
        "handoff_at": _iso(conversation.handoff_at),
        "handoff_reason": conversation.handoff_reason,
        "resolved": conversation.resolved,
        "resolved_at": _iso(conversation.resolved_at),
        "delivery_issue": conversation.delivery_issue,
    }


async def export(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    kind = request.query.get("format", "csv")
    if kind not in ("csv", "jsonl"):
        raise web.HTTPBadRequest(text="format is csv or jsonl")
    first, last = period_from(request.query, context.clock().date(), context.options.figures_days)
    since = datetime.combine(first, time.min, UTC)
    until = datetime.combine(last + timedelta(days=1), time.min, UTC)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8"
            if kind == "csv"
            else "application/x-ndjson; charset=utf-8",
            "Content-Disposition": (
                f'attachment; filename="wismo-conversations-{first}-{last}.{kind}"'
            ),
        }
    )
    for name, value in _HEADERS.items():
        response.headers[name] = value
    await response.prepare(request)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if kind == "csv":
        writer.writerow(CSV_COLUMNS)
    async with context.sessions() as session:
        async for found, messages, references in _queries(request, session).export(since, until):
            if kind == "jsonl":
                line = {
                    **conversation_json(found),
                    "references": [{"kind": k, "value": v} for k, v in references],
                    "messages": [message_json(message) for message in messages],
                }
                buffer.write(json.dumps(line, ensure_ascii=False) + "\n")
            else:
                joined = ";".join(f"{k}:{v}" for k, v in references)
                for message in messages:
                    intent = (message.based_on or {}).get("intent")
                    writer.writerow(
                        [
                            safe_cell(value)
                            for value in (
                                found.id,
                                found.account_id,
                                found.username,
                                found.language,
                                found.handoff_reason,
                                found.resolved,
                                joined,
                                message.id,
                                _iso(message.created_at),
                                message.author.value,
                                message.kind.value,
                                message.status.value,
                                intent,
                                message.text,
                            )
                        ]
                    )
            if buffer.tell() > 64 * 1024:
                await response.write(buffer.getvalue().encode())
                buffer.seek(0)
                buffer.truncate()
    await response.write(buffer.getvalue().encode())
    await response.write_eof()
    return response


# --- the application ----------------------------------------------------------------------------


def _duration(value: timedelta | float | None) -> str:
    if value is None:
        return "–"
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    seconds = max(seconds, 0)
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value is not None else "–"


FILTERS: dict[str, Callable[..., str]] = {"duration": _duration, "when": _when}


@cache
def _templates() -> jinja2.Environment:
    """The console's templates, made by the first page rendered (one for the process)."""
    import jinja2

    templates = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    templates.filters.update(FILTERS)
    return templates


def _page(template: str, context: Mapping[str, Any], *, status: int = 200) -> web.Response:
    html = _templates().get_template(template).render(context)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


__all__ = [
    "PUBLIC_ROUTES",
    "SESSION_COOKIE",
    "conversation_json",
    "criteria_from",
    "message_json",
    "period_from",
]
