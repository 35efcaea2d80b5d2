"""FakeGraphApi: Meta's Graph API for Instagram messaging, served by aiohttp on 127.0.0.1.

It plays what wismo calls (docs/instagram.md: Send API, Errors, Conversations API):

- ``POST /{version}/{account}/messages`` validates the body like Meta (recipient, message or
  sender_action, messaging_type, tag, the 1000-byte text limit, quick-reply and template
  limits) and answers ``{"recipient_id", "message_id"}``;
- ``GET /{version}/{account}/conversations``, ``GET /{version}/{conversation_id}`` and
  ``GET /{version}/{mid}`` serve the Conversations API used to reconcile ambiguous sends;
- after each delivered message it can POST the signed echo webhook Meta sends (``is_echo``,
  the same mid) to a configured URL;
- several business accounts, each with its own token (``add_account``): a token opens only
  its own account's paths (or ``me``), and every request's token is in its recorded headers;
- connecting and checking an account, as either host answers it (``flavour``):
  ``GET /{version}/me``, ``GET|POST /{version}/{node}/subscribed_apps``, Instagram Login's
  ``GET /access_token`` and ``GET /refresh_access_token`` (and Business Login's code exchange,
  ``POST /oauth/access_token`` with a code from `issue_code`), Facebook Login's
  ``GET /{version}/oauth/access_token``, ``/me/permissions``, ``/me/accounts`` and
  ``/debug_token``. It knows each token's kind, age and expiry (`tokens`) and can be put into
  broken states: `expire_token`, `revoke_permission`, `unsubscribe`, `disallow_messaging`,
  `unlink_page`; with `require_appsecret_proof` every call must carry a valid proof.

Every Graph request is recorded (`requests`: method, path, query, headers, parsed body, time,
answered status) and, with ``record=PATH``, appended as a JSON line to a file. Faults are
scripted for the next N sends: any Graph error (code, subcode, HTTP status, headers), a raw
non-JSON answer, a delay, a dropped connection, and "delivered, then answered with an error"
(the ambiguous case). Where Meta would silently cut a quick-reply or button title, the fake
rejects it instead, so a test catches a client that relies on the cut.

In a test::

    fake = await start_graph_api(aiohttp_server, webhook_url=..., app_secret=...)
    # or: async with running_graph_api() as fake: ...
    client = SendApiClient(http, graph_url=fake.url, version=fake.version,
                           account_id=fake.account_id, access_token=SecretStr(fake.token))
    fake.fail_next(10, 2534022, status=403)        # the next send: window closed
    await fake.wait_for_delivered(1)

As a process (subprocess tests, benchmarks), it prints its base URL on the first line and is
scripted over HTTP through ``/_fake/...`` (see `_control_routes`)::

    python -m tests.fakes.graph_api --port 0 --record requests.jsonl \
        --webhook-url http://127.0.0.1:8080/webhooks/instagram --app-secret s3cret
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import re
import secrets
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import aiohttp
from aiohttp import web

DEFAULT_TOKEN = "fake-instagram-user-token"  # a test credential
DEFAULT_VERSION = "v25.0"
DEFAULT_ACCOUNT_ID = "17841400000000001"  # the business IG_ID of the recorded webhook bodies
BUSINESS_USERNAME = "fake_shop"

Endpoint = Literal["send", "read"]

_TEXT_BYTES = 1000
_QUICK_REPLIES = 13
_TITLE_CHARS = 20
_PAYLOAD_CHARS = 1000
_ELEMENTS = 10
_ELEMENT_TEXT_CHARS = 80
_BUTTONS = 3
_BUTTON_TEXT_CHARS = 640
_MESSAGES_PER_READ = 20  # Meta returns details of the 20 newest messages only
_MEDIA_TYPES = frozenset({"image", "audio", "video", "file"})
_SENDER_ACTIONS = frozenset({"mark_seen", "typing_on", "typing_off", "react", "unreact"})
_MESSAGING_TYPES = frozenset({"RESPONSE", "UPDATE", "MESSAGE_TAG"})


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _graph_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def sign(body: bytes, app_secret: str) -> str:
    """The X-Hub-Signature-256 header value Meta sends with `body`."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


@dataclass(frozen=True)
class Fault:
    """How to answer one request instead of the normal success.

    The request is first validated as usual. Then, in order: when `deliver` is true the
    message is delivered (recorded, echoed) as on success; the answer waits `delay` seconds;
    with `disconnect` the connection is closed without an answer; otherwise the answer is
    `status` with `headers` and, as body, `error` wrapped as ``{"error": …}``, else `body`,
    else the normal success body.
    """

    status: int = 400
    error: Mapping[str, Any] | None = None
    body: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    deliver: bool = False
    delay: float = 0.0
    disconnect: bool = False

    @classmethod
    def graph_error(
        cls,
        code: int,
        subcode: int | None = None,
        *,
        status: int = 400,
        message: str | None = None,
        error_type: str = "IGApiException",
        is_transient: bool | None = None,
        headers: Mapping[str, str] | None = None,
        deliver: bool = False,
    ) -> Fault:
        """A Graph error body in Meta's shape (Error shape), with a fresh fbtrace_id."""
        error: dict[str, Any] = {
            "message": message or f"(#{code}) Fake Graph error {code}/{subcode}",
            "type": error_type,
            "code": code,
            "fbtrace_id": f"Fake{secrets.token_hex(5)}",
        }
        if subcode is not None:
            error["error_subcode"] = subcode
        if is_transient is not None:
            error["is_transient"] = is_transient
        return cls(status=status, error=error, headers=dict(headers or {}), deliver=deliver)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "error": dict(self.error) if self.error is not None else None,
            "body": self.body.decode("latin-1") if self.body is not None else None,
            "headers": dict(self.headers),
            "deliver": self.deliver,
            "delay": self.delay,
            "disconnect": self.disconnect,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        if "code" in data:
            fault = cls.graph_error(
                int(data["code"]),
                data.get("subcode"),
                status=int(data.get("status", 400)),
                headers=data.get("headers"),
                deliver=bool(data.get("deliver", False)),
            )
            return cls(**{**asdict(fault), "delay": float(data.get("delay", 0.0))})
        raw = data.get("body")
        return cls(
            status=int(data.get("status", 400)),
            error=data.get("error"),
            body=raw.encode("latin-1") if isinstance(raw, str) else None,
            headers=dict(data.get("headers") or {}),
            deliver=bool(data.get("deliver", False)),
            delay=float(data.get("delay", 0.0)),
            disconnect=bool(data.get("disconnect", False)),
        )


# Faults for the documented errors, ready to script.
WINDOW_CLOSED = Fault.graph_error(
    10, 2534022, status=403, message="This message is sent outside of allowed window."
)
TOKEN_INVALID = Fault.graph_error(
    190,
    None,
    message="Invalid OAuth access token - Cannot parse access token",
    error_type="OAuthException",
)
RATE_LIMITED = Fault.graph_error(
    613, 2534040, message="Calls to this api have exceeded the rate limit."
)
RECIPIENT_UNAVAILABLE = Fault.graph_error(
    551, 1545041, message="This person isn't receiving messages from you right now."
)
TEMPORARY = Fault.graph_error(
    2,
    None,
    status=500,
    is_transient=True,
    message="An unexpected error has occurred. Please retry your request later.",
)
# Meta documents that this error comes back although the message was sent.
INVALID_JSON_REPLY = Fault.graph_error(
    1, 1357046, status=500, deliver=True, message="Received Invalid JSON reply."
)
BAD_GATEWAY = Fault(
    status=502,
    body=b"<html><body>502 Bad Gateway</body></html>",
    headers={"Content-Type": "text/html"},
)


@dataclass
class RecordedRequest:
    """One request the fake received; `status` is what it answered (None if it never did)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    raw: bytes
    received_at: datetime
    status: int | None = None
    dropped: bool = False

    def header(self, name: str) -> str | None:
        """A request header by case-insensitive name."""
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "body": self.body,
            "received_at": self.received_at.isoformat(),
            "status": self.status,
        }


@dataclass(frozen=True)
class Delivered:
    """A message the fake accepted as delivered to the buyer (what the buyer now sees)."""

    message_id: str
    recipient_id: str
    message: Mapping[str, Any]
    messaging_type: str | None
    tag: str | None
    delivered_at: datetime

    @property
    def text(self) -> str | None:
        text = self.message.get("text")
        return text if isinstance(text, str) else None

    def to_json(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "recipient_id": self.recipient_id,
            "message": dict(self.message),
            "messaging_type": self.messaging_type,
            "tag": self.tag,
            "delivered_at": self.delivered_at.isoformat(),
        }


@dataclass(frozen=True)
class EchoDelivery:
    """One attempt to POST an echo webhook: the HTTP status, or the error that prevented it."""

    message_id: str
    status: int | None
    error: str | None
    attempted_at: datetime


@dataclass(frozen=True)
class _StoredMessage:
    message_id: str
    from_id: str
    to_id: str
    text: str | None
    created_at: datetime


@dataclass
class _Script:
    fault: Fault
    remaining: int
    endpoint: Endpoint
    recipient_id: str | None
    sender_actions: bool


class _Invalid(Exception):
    """A request Meta would refuse; becomes a Graph error answer."""

    def __init__(self, message: str, code: int = 100, subcode: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.subcode = subcode


class FakeGraphApi:
    """The fake's state and behaviour; `app` is the aiohttp application serving it."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        version: str = DEFAULT_VERSION,
        account_id: str = DEFAULT_ACCOUNT_ID,
        webhook_url: str | None = None,
        app_secret: str | None = None,
        echo_delay: float = 0.0,
        echo_before_response: bool = False,
        echo_attempts: int = 3,
        rate_limit: int | None = None,
        known_recipients: set[str] | None = None,
        latency: float = 0.0,
        record: Path | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.token = token
        self.version = version
        self.account_id = account_id
        self._other_accounts: dict[str, str] = {}
        self.webhook_url = webhook_url
        self.app_secret = app_secret
        self.echo_delay = echo_delay
        self.echo_before_response = echo_before_response
        self.echo_attempts = echo_attempts
        self.rate_limit = rate_limit
        self.known_recipients = known_recipients
        self.latency = latency
        self.record = record
        self.clock = clock
        self.url = ""
        self.requests: list[RecordedRequest] = []
        self.delivered: list[Delivered] = []
        self.echoes: list[EchoDelivery] = []
        self._scripts: list[_Script] = []
        self._messages: dict[str, list[_StoredMessage]] = {}
        # IGSID -> the User Profile API's answer; an IGSID not here has no consent.
        self.profiles: dict[str, dict[str, Any]] = {}
        self._sequence = itertools.count(1)
        self._prefix = secrets.token_hex(4)
        self._recent_sends: list[float] = []
        self._changed = asyncio.Condition()
        self._echo_tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self._app: web.Application | None = None
        self._init_connection()

    # -- scripting -------------------------------------------------------------------------

    def inject(
        self,
        fault: Fault,
        *,
        times: int = 1,
        endpoint: Endpoint = "send",
        recipient_id: str | None = None,
        sender_actions: bool = False,
    ) -> None:
        """Answer the next `times` matching requests with `fault`.

        `endpoint` "send" matches message sends (and sender actions too when `sender_actions`),
        "read" matches the Conversations API. `recipient_id` narrows sends to one buyer.
        Scripts are used in the order they were injected.
        """
        self._scripts.append(_Script(fault, times, endpoint, recipient_id, sender_actions))

    def clear_faults(self) -> None:
        """Forget every scripted fault not used yet: Graph answers normally again."""
        self._scripts.clear()

    def fail_next(
        self,
        code: int,
        subcode: int | None = None,
        *,
        status: int = 400,
        times: int = 1,
        headers: Mapping[str, str] | None = None,
        recipient_id: str | None = None,
    ) -> None:
        """Refuse the next `times` sends with Graph error `code`/`subcode`; nothing delivered."""
        fault = Fault.graph_error(code, subcode, status=status, headers=headers)
        self.inject(fault, times=times, recipient_id=recipient_id)

    def deliver_then_fail_next(
        self, code: int = 1, subcode: int | None = 1357046, *, status: int = 500, times: int = 1
    ) -> None:
        """Deliver the next sends (echo included) but answer them with a Graph error."""
        fault = Fault.graph_error(code, subcode, status=status, deliver=True)
        self.inject(fault, times=times)

    def delay_next(self, seconds: float, *, deliver: bool = True, times: int = 1) -> None:
        """Answer the next sends after `seconds` (delivering them first unless told not to).

        Longer than the client's read timeout, this is the "timed out but delivered" case.
        """
        self.inject(Fault(status=200, deliver=deliver, delay=seconds), times=times)

    def disconnect_next(self, *, deliver: bool = False, times: int = 1) -> None:
        """Close the connection of the next sends without an answer, delivering them or not."""
        self.inject(Fault(status=200, deliver=deliver, disconnect=True), times=times)

    def deliver_echoes(
        self,
        webhook_url: str,
        app_secret: str,
        *,
        delay: float = 0.0,
        before_response: bool = False,
    ) -> None:
        """POST a signed echo webhook to `webhook_url` for each delivered message.

        `before_response` sends it (and waits for it) before the Send API answers, a race
        Meta does not rule out; otherwise it goes `delay` seconds after delivery.
        """
        self.webhook_url = webhook_url
        self.app_secret = app_secret
        self.echo_delay = delay
        self.echo_before_response = before_response

    def add_message(
        self,
        recipient_id: str,
        text: str | None,
        *,
        from_business: bool,
        at: datetime | None = None,
    ) -> str:
        """Put a message into the buyer's conversation history, as if sent earlier; its mid."""
        mid = self._new_mid()
        sender, receiver = (
            (self.account_id, recipient_id) if from_business else (recipient_id, self.account_id)
        )
        self._store(_StoredMessage(mid, sender, receiver, text, at or self.clock()), recipient_id)
        return mid

    async def human_reply(self, recipient_id: str, text: str) -> str:
        """A person at the shop replies from the Instagram app: stored and echoed, not sent
        through the Send API. Returns the mid the echo carries."""
        now = self.clock()
        mid = self._new_mid()
        self._store(_StoredMessage(mid, self.account_id, recipient_id, text, now), recipient_id)
        await self._echo(mid, recipient_id, {"text": text}, now)
        return mid

    # -- observation -----------------------------------------------------------------------

    @property
    def sends(self) -> list[RecordedRequest]:
        """Recorded POSTs to the messages endpoint that carried a message."""
        return [
            request
            for request in self.requests
            if request.method == "POST"
            and request.path.endswith("/messages")
            and isinstance(request.body, dict)
            and "message" in request.body
        ]

    @property
    def sender_actions(self) -> list[RecordedRequest]:
        """Recorded POSTs to the messages endpoint that carried a sender action."""
        return [
            request
            for request in self.requests
            if request.method == "POST"
            and isinstance(request.body, dict)
            and "sender_action" in request.body
        ]

    async def wait_for(self, condition: Callable[[], bool], *, timeout: float = 10.0) -> None:
        """Wait until `condition()` holds; re-checked after every change. TimeoutError after
        `timeout` seconds."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(condition)

    async def wait_for_delivered(self, count: int, *, timeout: float = 10.0) -> list[Delivered]:
        """Wait until at least `count` messages were delivered; all delivered so far."""
        await self.wait_for(lambda: len(self.delivered) >= count, timeout=timeout)
        return list(self.delivered)

    async def wait_for_requests(self, count: int, *, timeout: float = 10.0) -> None:
        """Wait until at least `count` Graph requests were answered (or dropped)."""
        await self.wait_for(
            lambda: sum(r.status is not None or r.dropped for r in self.requests) >= count,
            timeout=timeout,
        )

    async def drain_echoes(self, *, timeout: float = 10.0) -> None:
        """Wait until every echo webhook started so far has been attempted."""
        async with asyncio.timeout(timeout):
            while self._echo_tasks:
                await asyncio.gather(*self._echo_tasks, return_exceptions=True)

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def app(self) -> web.Application:
        """The aiohttp application (built once), for `aiohttp_server` or an AppRunner."""
        if self._app is None:
            self._app = self._build_app()
        return self._app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on `host`:`port` (0 picks a free port); returns and remembers the base URL."""
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        self.url = f"http://{bound_host}:{bound_port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _build_app(self) -> web.Application:
        app = web.Application(client_max_size=16 * 1024 * 1024)

        async def echo_session(_: web.Application) -> AsyncIterator[None]:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
            yield
            for task in self._echo_tasks:
                task.cancel()
            await asyncio.gather(*self._echo_tasks, return_exceptions=True)
            await self._session.close()
            self._session = None

        app.cleanup_ctx.append(echo_session)
        app.add_routes(self._control_routes())
        app.router.add_post("/{version}/{account}/messages", self._recorded(self._send))
        app.router.add_get("/{version}/{account}/conversations", self._recorded(self._list))
        self._add_connection_routes(app)
        app.router.add_get("/{version}/{node}", self._recorded(self._node))
        return app

    def _control_routes(self) -> list[web.RouteDef]:
        """Scripting over HTTP for a fake running as its own process:

        - ``POST /_fake/faults`` {"times", "endpoint", "recipient_id", "sender_actions", and a
          fault: "code"/"subcode"/"status" for a Graph error, or the `Fault` fields};
        - ``POST /_fake/echoes`` {"webhook_url", "app_secret", "delay", "before_response"};
        - ``POST /_fake/messages`` {"recipient_id", "text", "from_business"} (history);
        - ``POST /_fake/human_reply`` {"recipient_id", "text"};
        - ``GET /_fake/requests``, ``GET /_fake/delivered``, ``GET /_fake/echoes``.
        """

        async def faults(request: web.Request) -> web.Response:
            data = await request.json()
            self.inject(
                Fault.from_json(data),
                times=int(data.get("times", 1)),
                endpoint=data.get("endpoint", "send"),
                recipient_id=data.get("recipient_id"),
                sender_actions=bool(data.get("sender_actions", False)),
            )
            return web.json_response({"ok": True})

        async def echoes_config(request: web.Request) -> web.Response:
            data = await request.json()
            self.deliver_echoes(
                data["webhook_url"],
                data["app_secret"],
                delay=float(data.get("delay", 0.0)),
                before_response=bool(data.get("before_response", False)),
            )
            return web.json_response({"ok": True})

        async def messages(request: web.Request) -> web.Response:
            data = await request.json()
            mid = self.add_message(
                data["recipient_id"], data.get("text"), from_business=data["from_business"]
            )
            return web.json_response({"message_id": mid})

        async def human_reply(request: web.Request) -> web.Response:
            data = await request.json()
            mid = await self.human_reply(data["recipient_id"], data["text"])
            return web.json_response({"message_id": mid})

        async def requests(_: web.Request) -> web.Response:
            return web.json_response([recorded.to_json() for recorded in self.requests])

        async def delivered(_: web.Request) -> web.Response:
            return web.json_response([message.to_json() for message in self.delivered])

        async def echoes(_: web.Request) -> web.Response:
            return web.json_response(
                [
                    {**asdict(echo), "attempted_at": echo.attempted_at.isoformat()}
                    for echo in self.echoes
                ]
            )

        return [
            web.post("/_fake/faults", faults),
            web.post("/_fake/echoes", echoes_config),
            web.post("/_fake/messages", messages),
            web.post("/_fake/human_reply", human_reply),
            web.get("/_fake/requests", requests),
            web.get("/_fake/delivered", delivered),
            web.get("/_fake/echoes", echoes),
        ]

    # -- request handling ------------------------------------------------------------------

    def _recorded(
        self, handler: Callable[[web.Request, RecordedRequest], Awaitable[web.StreamResponse]]
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handle(request: web.Request) -> web.StreamResponse:
            raw = await request.read()
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            recorded = RecordedRequest(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                headers=dict(request.headers),
                body=body,
                raw=raw,
                received_at=self.clock(),
            )
            self.requests.append(recorded)
            if self.latency:
                await asyncio.sleep(self.latency)
            try:
                if self._connection_route(request):
                    self._check_version(request)
                else:
                    self._authorise(request, body)
                    self._check_connection(request, body)
                response = await handler(request, recorded)
            except _Invalid as exc:
                response = _error_response(400, exc.code, exc.subcode, str(exc))
            recorded.status = None if recorded.dropped else response.status
            self._write_record(recorded)
            await self._notify()
            return response

        return handle

    def add_account(self, account_id: str, token: str) -> None:
        """Serve one more business account, reached with its own `token` (besides `token`)."""
        self._other_accounts[token] = account_id

    def account_of(self, token: str) -> str | None:
        """The business account `token` belongs to, None when it is no token of the fake's."""
        if hmac.compare_digest(token.encode(), self.token.encode()):
            return self.account_id
        for known, account_id in self._other_accounts.items():
            if hmac.compare_digest(token.encode(), known.encode()):
                return account_id
        return None

    def _authorise(self, request: web.Request, body: Any) -> None:
        if request.match_info.get("version") != self.version:
            raise _Invalid(f"Unknown path components: /{request.match_info.get('version')}", 2500)
        header = request.headers.get("Authorization", "")
        given = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None
        if given is None:
            given = request.query.get("access_token")
        if given is None and isinstance(body, dict):
            given = body.get("access_token")
        if given is None:
            raise _Invalid("An active access token must be used to query information.", 2500)
        owner = self.account_of(given)
        if owner is None:
            raise _Invalid("Invalid OAuth access token - Cannot parse access token", 190)
        account = request.match_info.get("account")
        if account is not None and account not in {"me", owner}:
            raise _Invalid(
                f"Unsupported request. Object with ID '{account}' does not exist", 100, 33
            )

    async def _send(self, request: web.Request, recorded: RecordedRequest) -> web.StreamResponse:
        body = recorded.body
        _validate_send(body)
        recipient_id = body["recipient"]["id"]
        if self.known_recipients is not None and recipient_id not in self.known_recipients:
            raise _Invalid("No matching Instagram user", 100, 2534014)
        is_action = "sender_action" in body
        if not is_action and self._rate_limited():
            return _error_response(
                400, 613, 2534040, "Calls to this api have exceeded the rate limit."
            )
        fault = self._take_fault("send", recipient_id, is_action)
        mid: str | None = None
        if not is_action and (fault is None or fault.deliver):
            mid = await self._deliver(body)
        if fault is not None:
            return await self._apply(fault, request, recorded, _success(recipient_id, mid))
        return web.json_response(_success(recipient_id, mid))

    async def _list(self, request: web.Request, recorded: RecordedRequest) -> web.StreamResponse:
        if (fault := self._take_fault("read", None, False)) is not None:
            return await self._apply(fault, request, recorded, {"data": []})
        wanted = request.query.get("user_id")
        data = [
            {
                "id": _conversation_id(recipient),
                "updated_time": _graph_time(messages[-1].created_at),
            }
            for recipient, messages in self._messages.items()
            if messages and (wanted is None or wanted == recipient)
        ]
        data.sort(key=lambda item: item["updated_time"], reverse=True)
        return web.json_response({"data": data})

    async def _node(self, request: web.Request, recorded: RecordedRequest) -> web.StreamResponse:
        if (fault := self._take_fault("read", None, False)) is not None:
            return await self._apply(fault, request, recorded, {})
        node = request.match_info["node"]
        fields = request.query.get("fields", "")
        if node in self.profiles:
            wanted = {name.strip() for name in fields.split(",") if name.strip()}
            profile = {key: value for key, value in self.profiles[node].items() if key in wanted}
            return web.json_response({**profile, "id": node})
        for recipient, messages in self._messages.items():
            if node == _conversation_id(recipient):
                return web.json_response(self._conversation(recipient, messages, fields))
            for message in messages:
                if node == message.message_id:
                    return web.json_response(self._message(message, recipient, fields))
        raise _Invalid(f"Unsupported get request. Object with ID '{node}' does not exist", 100, 33)

    # -- behaviour -------------------------------------------------------------------------

    def _take_fault(
        self, endpoint: Endpoint, recipient_id: str | None, is_action: bool
    ) -> Fault | None:
        for script in self._scripts:
            if script.remaining <= 0 or script.endpoint != endpoint:
                continue
            if is_action and not script.sender_actions:
                continue
            if script.recipient_id is not None and script.recipient_id != recipient_id:
                continue
            script.remaining -= 1
            return script.fault
        return None

    async def _apply(
        self,
        fault: Fault,
        request: web.Request,
        recorded: RecordedRequest,
        success: Mapping[str, Any],
    ) -> web.StreamResponse:
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.disconnect:
            recorded.dropped = True
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=fault.status)
        if fault.error is not None:
            return web.json_response(
                {"error": dict(fault.error)}, status=fault.status, headers=fault.headers
            )
        if fault.body is not None:
            return web.Response(body=fault.body, status=fault.status, headers=fault.headers)
        return web.json_response(dict(success), status=fault.status, headers=fault.headers)

    def _rate_limited(self) -> bool:
        if self.rate_limit is None:
            return False
        now = time.monotonic()
        self._recent_sends = [sent for sent in self._recent_sends if now - sent < 1.0]
        if len(self._recent_sends) >= self.rate_limit:
            return True
        self._recent_sends.append(now)
        return False

    async def _deliver(self, body: Mapping[str, Any]) -> str:
        recipient_id = body["recipient"]["id"]
        message = body["message"]
        now = self.clock()
        mid = self._new_mid()
        self.delivered.append(
            Delivered(mid, recipient_id, message, body.get("messaging_type"), body.get("tag"), now)
        )
        text = message.get("text") if isinstance(message.get("text"), str) else None
        self._store(_StoredMessage(mid, self.account_id, recipient_id, text, now), recipient_id)
        await self._echo(mid, recipient_id, _echo_content(message), now)
        return mid

    async def _echo(
        self, mid: str, recipient_id: str, content: Mapping[str, Any], at: datetime
    ) -> None:
        if self.webhook_url is None or self.app_secret is None:
            return
        payload = {
            "object": "instagram",
            "entry": [
                {
                    "time": _millis(self.clock()),
                    "id": self.account_id,
                    "messaging": [
                        {
                            "sender": {"id": self.account_id},
                            "recipient": {"id": recipient_id},
                            "timestamp": _millis(at),
                            "message": {"mid": mid, **content, "is_echo": True},
                        }
                    ],
                }
            ],
        }
        # Meta's wire form: compact, non-ASCII escaped; the signature covers exactly these bytes.
        raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode()
        coroutine = self._post_echo(mid, raw, self.webhook_url, self.app_secret)
        if self.echo_before_response:
            await coroutine
            return
        task = asyncio.create_task(coroutine)
        self._echo_tasks.add(task)
        task.add_done_callback(self._echo_tasks.discard)

    async def _post_echo(self, mid: str, raw: bytes, url: str, app_secret: str) -> None:
        if self.echo_delay and not self.echo_before_response:
            await asyncio.sleep(self.echo_delay)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "facebookexternalua",
            "X-Hub-Signature-256": sign(raw, app_secret),
        }
        assert self._session is not None, "the fake is not running"
        for attempt in range(self.echo_attempts):
            status: int | None = None
            problem: str | None = None
            try:
                async with self._session.post(url, data=raw, headers=headers) as response:
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                problem = type(exc).__name__
            self.echoes.append(EchoDelivery(mid, status, problem, self.clock()))
            await self._notify()
            if (status is not None and status < 300) or attempt + 1 == self.echo_attempts:
                return
            # Meta retries failed deliveries "immediately a few more times".
            await asyncio.sleep(0.05 * 2**attempt)

    def _store(self, message: _StoredMessage, recipient_id: str) -> None:
        self._messages.setdefault(recipient_id, []).append(message)

    def _new_mid(self) -> str:
        tag = f"fake:{self._prefix}:{next(self._sequence)}".encode()
        return "aWdf" + base64.urlsafe_b64encode(tag).decode().rstrip("=")

    def _conversation(
        self, recipient: str, messages: list[_StoredMessage], fields: str
    ) -> dict[str, Any]:
        answer: dict[str, Any] = {"id": _conversation_id(recipient)}
        match = re.search(r"messages(?:\{([^}]*)\})?", fields)
        if match is None:
            return answer
        wanted = match.group(1) or "id,created_time"
        newest = sorted(messages, key=lambda message: message.created_at)[::-1]
        answer["messages"] = {
            "data": [
                self._message(message, recipient, wanted) for message in newest[:_MESSAGES_PER_READ]
            ]
        }
        return answer

    def _message(self, message: _StoredMessage, recipient_id: str, fields: str) -> dict[str, Any]:
        wanted = {name.strip() for name in fields.split(",") if name.strip()} or {"id"}
        usernames = {self.account_id: BUSINESS_USERNAME, recipient_id: f"buyer_{recipient_id}"}
        full: dict[str, Any] = {
            "id": message.message_id,
            "created_time": _graph_time(message.created_at),
            "from": {"username": usernames.get(message.from_id, ""), "id": message.from_id},
            "to": {"data": [{"username": usernames.get(message.to_id, ""), "id": message.to_id}]},
            "message": message.text or "",
        }
        return {key: value for key, value in full.items() if key in wanted or key == "id"}

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _write_record(self, recorded: RecordedRequest) -> None:
        if self.record is None:
            return
        with self.record.open("a", encoding="utf-8") as file:
            file.write(json.dumps(recorded.to_json(), ensure_ascii=False) + "\n")

    # -- connecting and checking an account ------------------------------------------------

    def _init_connection(self) -> None:
        self.flavour: Flavour = "instagram_login"
        self.app_id = FAKE_APP_ID
        self.require_appsecret_proof = False
        self.username = BUSINESS_USERNAME
        self.page_id = DEFAULT_PAGE_ID
        self.page_name = "Fake Shop"
        self.page_linked = True
        self.subscribed_fields: set[str] = set()
        self.messaging_allowed = True
        # Every token the connection endpoints know, with its kind, age and expiry.
        self.tokens: dict[str, FakeToken] = {}
        self._token_serial = itertools.count(1)
        # Business Login's authorization codes (each good once): code -> redirect URI.
        self.codes: dict[str, str] = {}
        now = self.clock()
        self.tokens[self.token] = FakeToken(
            self.account_id,
            "long_lived",
            now - timedelta(days=2),
            now - timedelta(days=2) + LONG_LIVED_LIFETIME,
            set(SCOPES["instagram_login"]),
        )

    def use_flavour(self, flavour: Flavour) -> None:
        """Answer as `graph.instagram.com` or `graph.facebook.com` does; the known tokens take
        that flavour's scopes, and with Facebook Login the default token is a Page token that
        never expires."""
        self.flavour = flavour
        for token in self.tokens.values():
            token.scopes = set(SCOPES[flavour])
        if flavour == "facebook_login":
            main = self.tokens[self.token]
            main.kind, main.expires_at = "page", None

    def issue_token(
        self,
        kind: TokenKind = "short_lived",
        *,
        age: timedelta = timedelta(0),
        scopes: set[str] | None = None,
    ) -> str:
        """A new token of the fake's account (also good for the Send API), issued `age` ago.

        Lifetimes: short-lived 1 h, long-lived 60 days, a Facebook user token 2 h, a Page token
        forever."""
        issued_at = self.clock() - age
        lifetime = _LIFETIMES[kind]
        token = f"fake-{kind}-{self._prefix}-{next(self._token_serial)}"
        self.tokens[token] = FakeToken(
            self.account_id,
            kind,
            issued_at,
            None if lifetime is None else issued_at + lifetime,
            set(SCOPES[self.flavour] if scopes is None else scopes),
        )
        self.add_account(self.account_id, token)
        return token

    def issue_code(self, redirect_uri: str) -> str:
        """An authorization code, as Instagram's login window hands one back to `redirect_uri`;
        `POST /oauth/access_token` trades it once for a new short-lived token."""
        code = f"fake-code-{secrets.token_hex(8)}"
        self.codes[code] = redirect_uri
        return code

    def expire_token(self, token: str | None = None) -> None:
        """Make `token` (default: the fake's own) expired: every call with it gets 190/463."""
        self.tokens[token or self.token].expires_at = self.clock() - timedelta(seconds=1)

    def revoke_permission(self, permission: str, token: str | None = None) -> None:
        """Take `permission` from `token` (default: the fake's own); it shows as declined."""
        state = self.tokens[token or self.token]
        state.scopes.discard(permission)
        state.declined.add(permission)

    def unsubscribe(self) -> None:
        """Forget the webhook subscription, as Meta does after an hour of failed deliveries."""
        self.subscribed_fields.clear()

    def disallow_messaging(self, allowed: bool = False) -> None:
        """Turn the owner's "Connected tools → Allow access to messages" off (or on again):
        sends and Conversations API reads then fail with 200/2534041."""
        self.messaging_allowed = allowed

    def unlink_page(self) -> None:
        """Facebook Login: the Page has no linked Instagram account any more."""
        self.page_linked = False

    def _add_connection_routes(self, app: web.Application) -> None:
        get, post = app.router.add_get, app.router.add_post
        get("/access_token", self._recorded(self._ig_exchange))
        post("/oauth/access_token", self._recorded(self._ig_code_exchange))
        get("/refresh_access_token", self._recorded(self._ig_refresh))
        get("/{version}/oauth/access_token", self._recorded(self._fb_exchange))
        get("/{version}/debug_token", self._recorded(self._debug_token))
        get("/{version}/me", self._recorded(self._me))
        get("/{version}/me/permissions", self._recorded(self._permissions))
        get("/{version}/me/accounts", self._recorded(self._pages))
        get("/{version}/{node}/subscribed_apps", self._recorded(self._subscriptions))
        post("/{version}/{node}/subscribed_apps", self._recorded(self._subscribe))

    @staticmethod
    def _connection_route(request: web.Request) -> bool:
        resource = request.match_info.route.resource
        canonical = resource.canonical if resource is not None else ""
        return canonical in _CONNECTION_PATHS

    def _check_version(self, request: web.Request) -> None:
        version = request.match_info.get("version")
        if version is not None and version != self.version:
            raise _Invalid(f"Unknown path components: /{version}", 2500)

    def _check_connection(self, request: web.Request, body: Any) -> None:
        """The account's state as Send API and Conversations API calls meet it."""
        given = _given_token(request, body)
        state = self.tokens.get(given or "")
        if state is not None:
            self._check_alive(state)
            self._check_proof(request, given or "")
        if request.path.endswith(("/messages", "/conversations")) and not self.messaging_allowed:
            raise _Invalid(
                "The account owner has disabled access to instagram direct messages", 200, 2534041
            )
        reads = request.path.endswith("/conversations")
        if reads and state is not None and _MESSAGING_SCOPE[self.flavour] not in state.scopes:
            raise _Invalid("(#10) Application does not have permission for this action", 10)

    def _caller(self, request: web.Request) -> tuple[str, FakeToken]:
        given = _given_token(request, None)
        state = self.tokens.get(given or "")
        if given is None:
            raise _Invalid("An active access token must be used to query information.", 2500)
        if state is None:
            raise _Invalid("Invalid OAuth access token - Cannot parse access token", 190)
        self._check_alive(state)
        self._check_proof(request, given)
        return given, state

    def _check_alive(self, state: FakeToken) -> None:
        if state.expires_at is not None and state.expires_at <= self.clock():
            raise _Invalid("Error validating access token: Session has expired", 190, 463)

    def _check_proof(self, request: web.Request, token: str) -> None:
        if not self.require_appsecret_proof:
            return
        proof = request.query.get("appsecret_proof")
        if proof is None:
            raise _Invalid("API calls from the server require an appsecret_proof argument", 100)
        expected = hmac.new(
            (self.app_secret or "").encode(), token.encode(), hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(proof, expected):
            raise _Invalid("Invalid appsecret_proof provided in the API argument", 100)

    def _check_node(self, request: web.Request) -> None:
        node = request.match_info.get("node", "me")
        own = self.account_id if self.flavour == "instagram_login" else self.page_id
        if node not in {"me", own}:
            raise _Invalid(f"Unsupported request. Object with ID '{node}' does not exist", 100, 33)

    def _only(self, flavour: Flavour) -> None:
        if self.flavour != flavour:
            raise _Invalid("Unsupported request - method type: get", 100)

    def _renewed(self, state: FakeToken) -> dict[str, Any]:
        token = self.issue_token("long_lived", scopes=set(state.scopes))
        return {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": int(LONG_LIVED_LIFETIME.total_seconds()),
        }

    async def _ig_exchange(self, request: web.Request, _: RecordedRequest) -> web.Response:
        self._only("instagram_login")
        query = request.query
        if query.get("grant_type") != "ig_exchange_token":
            raise _Invalid("Unsupported grant_type", 100)
        if query.get("client_secret") != self.app_secret:
            raise _Invalid("Error validating client secret.", 101)
        state = self._caller(request)[1]
        if state.kind != "short_lived":
            raise _Invalid("The access token is not a short-lived token", 100)
        return web.json_response(self._renewed(state))

    async def _ig_code_exchange(self, request: web.Request, _: RecordedRequest) -> web.Response:
        """`POST https://api.instagram.com/oauth/access_token` (Business Login): a form with
        client_id, client_secret, grant_type=authorization_code, redirect_uri and code."""
        form = await request.post()
        redirect_uri = self.codes.get(str(form.get("code", "")))
        refusal = None
        if form.get("grant_type") != "authorization_code":
            refusal = "Invalid grant_type"
        elif form.get("client_id") != self.app_id or form.get("client_secret") != self.app_secret:
            refusal = "Invalid client_id or client_secret"
        elif redirect_uri is None or form.get("redirect_uri") != redirect_uri:
            refusal = (
                "This authorization code has been used"
                if redirect_uri is None
                else (
                    "Error validating verification code. Please make sure your redirect_uri is "
                    "identical to the one you used in the OAuth dialog request"
                )
            )
        if refusal is not None:
            body = {"error_type": "OAuthException", "code": 400, "error_message": refusal}
            return web.json_response(body, status=400)
        del self.codes[str(form["code"])]
        token = self.issue_token("short_lived")
        answer = {
            "access_token": token,
            "user_id": self.account_id,
            "permissions": ",".join(sorted(self.tokens[token].scopes)),
        }
        return web.json_response({"data": [answer]})

    async def _ig_refresh(self, request: web.Request, _: RecordedRequest) -> web.Response:
        self._only("instagram_login")
        if request.query.get("grant_type") != "ig_refresh_token":
            raise _Invalid("Unsupported grant_type", 100)
        state = self._caller(request)[1]
        if state.kind != "long_lived":
            raise _Invalid("Only long-lived tokens can be refreshed", 100)
        if self.clock() - state.issued_at < timedelta(hours=24):
            raise _Invalid("The access token is too new to be refreshed", 100)
        return web.json_response(self._renewed(state))

    async def _fb_exchange(self, request: web.Request, _: RecordedRequest) -> web.Response:
        self._only("facebook_login")
        query = request.query
        if query.get("grant_type") != "fb_exchange_token":
            raise _Invalid("Unsupported grant_type", 100)
        if query.get("client_id") != self.app_id:
            raise _Invalid("Error validating application. Invalid application ID.", 101)
        if query.get("client_secret") != self.app_secret:
            raise _Invalid("Error validating client secret.", 1, 1)
        state = self.tokens.get(query.get("fb_exchange_token", ""))
        if state is None:
            raise _Invalid("Invalid OAuth access token - Cannot parse access token", 190)
        self._check_alive(state)
        token = self.issue_token("long_lived", scopes=set(state.scopes))
        return web.json_response(
            {"access_token": token, "token_type": "bearer", "expires_in": 5183944}
        )

    async def _debug_token(self, request: web.Request, _: RecordedRequest) -> web.Response:
        self._only("facebook_login")
        given = _given_token(request, None) or ""
        if given != f"{self.app_id}|{self.app_secret}":
            self._caller(request)
        else:
            self._check_proof(request, given)
        state = self.tokens.get(request.query.get("input_token", ""))
        if state is None:
            data: dict[str, Any] = {
                "is_valid": False,
                "scopes": [],
                "error": {"code": 190, "message": "Invalid OAuth access token."},
            }
            return web.json_response({"data": data})
        alive = state.expires_at is None or state.expires_at > self.clock()
        data = {
            "app_id": self.app_id,
            "type": "PAGE" if state.kind == "page" else "USER",
            "application": "Fake wismo app",
            "data_access_expires_at": int(state.issued_at.timestamp()) + 90 * 86400,
            "expires_at": 0 if state.expires_at is None else int(state.expires_at.timestamp()),
            "is_valid": alive,
            "issued_at": int(state.issued_at.timestamp()),
            "scopes": sorted(state.scopes),
            "user_id": "10000000000000001",
        }
        if state.kind == "page":
            data["profile_id"] = self.page_id
        if not alive:
            data["error"] = {"code": 190, "subcode": 463, "message": "Session has expired."}
        return web.json_response({"data": data})

    async def _me(self, request: web.Request, _: RecordedRequest) -> web.Response:
        self._caller(request)
        wanted = request.query.get("fields", "id")
        if self.flavour == "instagram_login":
            full: dict[str, Any] = {
                # Meta's `id` here is not the id webhooks carry; `user_id` is.
                "id": "9" + self.account_id[1:],
                "user_id": self.account_id,
                "username": self.username,
            }
            names = {name.strip() for name in wanted.split(",")}
            return web.json_response({k: v for k, v in full.items() if k in names or k == "id"})
        answer: dict[str, Any] = {"id": self.page_id}
        if "name" in wanted:
            answer["name"] = self.page_name
        if "instagram_business_account" in wanted and self.page_linked:
            answer["instagram_business_account"] = {
                "id": self.account_id,
                "username": self.username,
            }
        return web.json_response(answer)

    async def _permissions(self, request: web.Request, _: RecordedRequest) -> web.Response:
        self._only("facebook_login")
        state = self._caller(request)[1]
        data = [{"permission": name, "status": "granted"} for name in sorted(state.scopes)]
        data += [{"permission": name, "status": "declined"} for name in sorted(state.declined)]
        return web.json_response({"data": data})

    async def _pages(self, request: web.Request, _: RecordedRequest) -> web.Response:
        self._only("facebook_login")
        state = self._caller(request)[1]
        if state.kind == "page":
            raise _Invalid("(#100) Tried accessing nonexisting field (accounts) on node Page", 100)
        page: dict[str, Any] = {
            "id": self.page_id,
            "name": self.page_name,
            "access_token": self.issue_token("page"),
        }
        if self.page_linked:
            page["instagram_business_account"] = {"id": self.account_id, "username": self.username}
        return web.json_response({"data": [page], "paging": {}})

    async def _subscriptions(self, request: web.Request, _: RecordedRequest) -> web.Response:
        self._caller(request)
        self._check_node(request)
        if not self.subscribed_fields:
            return web.json_response({"data": []})
        app = {
            "id": self.app_id,
            "name": "Fake wismo app",
            "subscribed_fields": sorted(self.subscribed_fields),
        }
        return web.json_response({"data": [app]})

    async def _subscribe(self, request: web.Request, _: RecordedRequest) -> web.Response:
        state = self._caller(request)[1]
        self._check_node(request)
        fields = [f for f in request.query.get("subscribed_fields", "").split(",") if f]
        if not fields:
            raise _Invalid("(#100) The parameter subscribed_fields is required", 100)
        known = _WEBHOOK_FIELDS[self.flavour]
        unknown = [name for name in fields if name not in known]
        if unknown:
            raise _Invalid(f"(#100) Param subscribed_fields must be one of {sorted(known)}", 100)
        needed = _SUBSCRIBE_SCOPE[self.flavour]
        if needed not in state.scopes:
            raise _Invalid(f"(#200) Requires {needed} permission to manage the object", 200)
        self.subscribed_fields = set(fields)
        return web.json_response({"success": True})


# -- connection state --------------------------------------------------------------------------

Flavour = Literal["instagram_login", "facebook_login"]
TokenKind = Literal["short_lived", "long_lived", "user", "page"]

FAKE_APP_ID = "1234567890123456"
DEFAULT_PAGE_ID = "105000000000001"
LONG_LIVED_LIFETIME = timedelta(days=60)
SCOPES: Mapping[Flavour, frozenset[str]] = {
    "instagram_login": frozenset(
        {"instagram_business_basic", "instagram_business_manage_messages"}
    ),
    "facebook_login": frozenset(
        {
            "instagram_basic",
            "instagram_manage_messages",
            "pages_manage_metadata",
            "pages_show_list",
            "pages_read_engagement",
        }
    ),
}
_MESSAGING_SCOPE: Mapping[Flavour, str] = {
    "instagram_login": "instagram_business_manage_messages",
    "facebook_login": "instagram_manage_messages",
}
_SUBSCRIBE_SCOPE: Mapping[Flavour, str] = {
    "instagram_login": "instagram_business_manage_messages",
    "facebook_login": "pages_manage_metadata",
}
# Page subscriptions take Page fields only: Instagram's own (messaging_seen, …) are refused there.
_WEBHOOK_FIELDS: Mapping[Flavour, frozenset[str]] = {
    "instagram_login": frozenset(
        {
            "messages",
            "messaging_postbacks",
            "messaging_seen",
            "message_reactions",
            "messaging_referral",
            "message_edit",
            "message_echoes",
            "messaging_handover",
            "standby",
            "messaging_optins",
            "comments",
            "mentions",
        }
    ),
    "facebook_login": frozenset(
        {"messages", "messaging_postbacks", "message_echoes", "feed", "message_reads"}
    ),
}
_LIFETIMES: Mapping[TokenKind, timedelta | None] = {
    "short_lived": timedelta(hours=1),
    "long_lived": LONG_LIVED_LIFETIME,
    "user": timedelta(hours=2),
    "page": None,
}
_CONNECTION_PATHS = frozenset(
    {
        "/access_token",
        "/oauth/access_token",
        "/refresh_access_token",
        "/{version}/oauth/access_token",
        "/{version}/debug_token",
        "/{version}/me",
        "/{version}/me/permissions",
        "/{version}/me/accounts",
        "/{version}/{node}/subscribed_apps",
    }
)


@dataclass
class FakeToken:
    """A token the fake knows: whose, what kind, when issued, when it expires (None: never)."""

    account_id: str
    kind: TokenKind
    issued_at: datetime
    expires_at: datetime | None
    scopes: set[str]
    declined: set[str] = field(default_factory=set)


def _given_token(request: web.Request, body: Any) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ").strip()
    given = request.query.get("access_token")
    if given is None and isinstance(body, dict):
        given = body.get("access_token")
    return given if isinstance(given, str) else None


# -- Meta's validation of a send ---------------------------------------------------------------


def _validate_send(body: Any) -> None:
    if not isinstance(body, dict):
        raise _Invalid("(#100) The request body must be a JSON object")
    recipient = body.get("recipient")
    if (
        not isinstance(recipient, dict)
        or not isinstance(recipient.get("id"), str)
        or not recipient["id"]
    ):
        raise _Invalid("(#100) The parameter recipient is required")
    if "sender_action" in body:
        _validate_sender_action(body)
        return
    if "message" not in body:
        raise _Invalid("(#100) Either message or sender_action must be set")
    extra = set(body) - {"recipient", "message", "messaging_type", "tag", "access_token"}
    if extra:
        raise _Invalid(f"(#100) Unexpected parameters: {sorted(extra)}")
    messaging_type = body.get("messaging_type")
    if messaging_type is not None and messaging_type not in _MESSAGING_TYPES:
        raise _Invalid(f"(#100) Param messaging_type must be one of {sorted(_MESSAGING_TYPES)}")
    tag = body.get("tag")
    if tag is not None and tag != "HUMAN_AGENT":
        raise _Invalid("(#100) Param tag must be HUMAN_AGENT on Instagram")
    if messaging_type == "MESSAGE_TAG" and tag is None:
        raise _Invalid("(#100) A message with messaging_type MESSAGE_TAG needs a tag")
    if tag is not None and messaging_type not in {None, "MESSAGE_TAG"}:
        raise _Invalid("(#100) A tagged message must use messaging_type MESSAGE_TAG")
    _validate_message(body["message"])


def _validate_sender_action(body: Mapping[str, Any]) -> None:
    action = body["sender_action"]
    if action not in _SENDER_ACTIONS:
        raise _Invalid(f"(#100) Param sender_action must be one of {sorted(_SENDER_ACTIONS)}")
    allowed = {"recipient", "sender_action", "access_token"}
    if action in {"react", "unreact"}:
        allowed.add("payload")
        payload = body.get("payload")
        if not isinstance(payload, dict) or not isinstance(payload.get("message_id"), str):
            raise _Invalid("(#100) A reaction needs payload.message_id")
    extra = set(body) - allowed
    if extra:
        raise _Invalid(f"(#100) A sender action must be sent alone; unexpected {sorted(extra)}")


def _validate_message(message: Any) -> None:
    if not isinstance(message, dict):
        raise _Invalid("(#100) Param message must be an object")
    extra = set(message) - {"text", "attachment", "attachments", "quick_replies"}
    if extra:
        raise _Invalid(f"(#100) Unexpected fields in message: {sorted(extra)}")
    contents = [key for key in ("text", "attachment", "attachments") if key in message]
    if len(contents) != 1:
        raise _Invalid("(#100) A message needs exactly one of text, attachment or attachments")
    if "text" in message:
        _check_text(message["text"], "message[text]")
    elif "attachment" in message:
        _validate_attachment(message["attachment"])
    else:
        images = message["attachments"]
        if not isinstance(images, list) or not 1 <= len(images) <= 10:
            raise _Invalid("(#100) Param message[attachments] must hold 1-10 images")
        for image in images:
            _validate_attachment(image)
            if image.get("type") != "image":
                raise _Invalid("(#100) Only images can be sent together", 100, 2534068)
    if "quick_replies" in message:
        _validate_quick_replies(message["quick_replies"])


def _check_text(text: Any, name: str) -> None:
    if not isinstance(text, str) or not text.strip():
        raise _Invalid(f"(#100) Param {name} must be a non-empty string")
    if len(text.encode("utf-8")) > _TEXT_BYTES:
        raise _Invalid(f"(#100) Length of param {name} must be less than or equal to {_TEXT_BYTES}")


def _check_chars(value: Any, limit: int, name: str) -> None:
    if not isinstance(value, str) or not value:
        raise _Invalid(f"(#100) Param {name} must be a non-empty string")
    if len(value) > limit:
        raise _Invalid(f"(#100) Param {name} must be at most {limit} characters")


_DISABLED_QUICK_REPLIES = frozenset({"user_phone_number", "user_email"})


def _validate_quick_replies(replies: Any) -> None:
    if not isinstance(replies, list) or not 1 <= len(replies) <= _QUICK_REPLIES:
        raise _Invalid(
            f"(#100) param message[quick_replies] must be an array of 1-{_QUICK_REPLIES} elements"
        )
    for reply in replies:
        if not isinstance(reply, dict):
            raise _Invalid("(#100) Each quick reply must be an object")
        kind = reply.get("content_type")
        if kind in _DISABLED_QUICK_REPLIES:
            # Phone-number and email quick replies are disabled since 2026-10-05
            # (docs/instagram.md, Changes since 2026-11-28).
            raise _Invalid(f"(#100) quick_replies[].content_type {kind} is no longer supported")
        if kind != "text":
            raise _Invalid("(#100) quick_replies[].content_type must be text")
        _check_chars(reply.get("title"), _TITLE_CHARS, "quick_replies[].title")
        _check_chars(reply.get("payload"), _PAYLOAD_CHARS, "quick_replies[].payload")


def _validate_attachment(attachment: Any) -> None:
    if not isinstance(attachment, dict):
        raise _Invalid("(#100) Param message[attachment] must be an object")
    kind = attachment.get("type")
    payload = attachment.get("payload")
    if not isinstance(payload, dict):
        raise _Invalid("(#100) Param message[attachment][payload] must be an object")
    if kind in _MEDIA_TYPES:
        _check_url(payload.get("url"), "attachment.payload.url")
        return
    if kind != "template":
        raise _Invalid("(#100) Unsupported attachment type")
    template = payload.get("template_type")
    if template == "generic":
        _validate_generic(payload)
    elif template == "button":
        _check_chars(payload.get("text"), _BUTTON_TEXT_CHARS, "payload.text")
        _validate_buttons(payload.get("buttons"), minimum=1)
    else:
        raise _Invalid("(#100) Unsupported template_type", 100, 2534015)


def _validate_generic(payload: Mapping[str, Any]) -> None:
    elements = payload.get("elements")
    if not isinstance(elements, list) or not 1 <= len(elements) <= _ELEMENTS:
        raise _Invalid(f"(#100) Param elements must hold 1-{_ELEMENTS} elements")
    for element in elements:
        if not isinstance(element, dict):
            raise _Invalid("(#100) Each element must be an object")
        _check_chars(element.get("title"), _ELEMENT_TEXT_CHARS, "elements[].title")
        if "subtitle" in element:
            _check_chars(element["subtitle"], _ELEMENT_TEXT_CHARS, "elements[].subtitle")
        if "image_url" in element:
            _check_url(element["image_url"], "elements[].image_url")
        if "default_action" in element:
            action = element["default_action"]
            if not isinstance(action, dict) or action.get("type") != "web_url" or "title" in action:
                raise _Invalid("(#100) default_action must be a web_url without a title")
            _check_url(action.get("url"), "default_action.url")
        if "buttons" in element:
            _validate_buttons(element["buttons"], minimum=0)
        if not {"subtitle", "image_url", "default_action", "buttons"} & set(element):
            raise _Invalid("(#100) An element needs a property besides title")


def _validate_buttons(buttons: Any, *, minimum: int) -> None:
    if not isinstance(buttons, list) or not minimum <= len(buttons) <= _BUTTONS:
        raise _Invalid(f"(#100) Param buttons must hold {minimum}-{_BUTTONS} buttons")
    for button in buttons:
        if not isinstance(button, dict):
            raise _Invalid("(#100) Each button must be an object")
        _check_chars(button.get("title"), _TITLE_CHARS, "buttons[].title")
        if button.get("type") == "web_url":
            _check_url(button.get("url"), "buttons[].url")
        elif button.get("type") == "postback":
            _check_chars(button.get("payload"), _PAYLOAD_CHARS, "buttons[].payload")
        else:
            raise _Invalid("(#100) Buttons must be web_url or postback on Instagram")


def _check_url(url: Any, name: str) -> None:
    if not isinstance(url, str) or not re.fullmatch(r"https?://[^\s/]+\S*", url):
        raise _Invalid(f"(#100) Param {name} must be a valid URL")


# -- answers -----------------------------------------------------------------------------------


def _success(recipient_id: str, mid: str | None) -> dict[str, Any]:
    return (
        {"recipient_id": recipient_id}
        if mid is None
        else {"recipient_id": recipient_id, "message_id": mid}
    )


def _error_response(status: int, code: int, subcode: int | None, message: str) -> web.Response:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException" if code == 190 else "IGApiException",
        "code": code,
        "fbtrace_id": f"Fake{secrets.token_hex(5)}",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return web.json_response({"error": error}, status=status)


def _echo_content(message: Mapping[str, Any]) -> dict[str, Any]:
    if "text" in message:
        return {"text": message["text"]}
    attachments = message.get("attachments") or [message["attachment"]]
    return {"attachments": [dict(attachment) for attachment in attachments]}


def _conversation_id(recipient_id: str) -> str:
    return "aWdfY29udjo" + base64.urlsafe_b64encode(recipient_id.encode()).decode().rstrip("=")


# -- starting it -------------------------------------------------------------------------------


async def start_graph_api(
    aiohttp_server: Callable[[web.Application], Awaitable[Any]], **options: Any
) -> FakeGraphApi:
    """Start a FakeGraphApi with pytest-aiohttp's `aiohttp_server` fixture (which stops it)."""
    fake = FakeGraphApi(**options)
    server = await aiohttp_server(fake.app)
    fake.url = str(server.make_url("")).rstrip("/")
    return fake


@contextlib.asynccontextmanager
async def running_graph_api(**options: Any) -> AsyncIterator[FakeGraphApi]:
    """Run a FakeGraphApi on 127.0.0.1 at a free port for the duration of the block."""
    fake = FakeGraphApi(**options)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


async def _serve(arguments: argparse.Namespace) -> None:
    fake = FakeGraphApi(
        token=arguments.token,
        version=arguments.version,
        account_id=arguments.account_id,
        webhook_url=arguments.webhook_url,
        app_secret=arguments.app_secret,
        echo_delay=arguments.echo_delay,
        rate_limit=arguments.rate_limit,
        latency=arguments.latency,
        record=arguments.record,
    )
    url = await fake.start(arguments.host, arguments.port)
    print(url, flush=True)  # the parent process reads the URL from here
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await fake.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a fake Instagram Graph API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--record", type=Path, help="append every request as a JSON line here")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--version", default=DEFAULT_VERSION)
    parser.add_argument("--account-id", default=DEFAULT_ACCOUNT_ID)
    parser.add_argument("--webhook-url", help="POST signed echo webhooks here")
    parser.add_argument("--app-secret", help="sign echo webhooks with this secret")
    parser.add_argument("--echo-delay", type=float, default=0.0)
    parser.add_argument("--rate-limit", type=int, help="sends per second before 613/2534040")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each answer")
    asyncio.run(_serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
