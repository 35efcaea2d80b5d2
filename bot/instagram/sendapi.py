"""SendApiClient: sends Instagram messages and sender actions, and reads back what was sent.

One client per Instagram account. It makes exactly one HTTP request per call and never retries:
retrying, pacing and the 24-hour window belong to the sender worker, which decides from the
error raised (bot/errors.py: SendRetryable, SendFinal, SendAmbiguous) what to do next.

The access token travels in the `Authorization: Bearer` header, as the Instagram-Login
flavour documents (docs/instagram.md, Endpoint and token), so it never appears in a URL, in httpx's
request log or in an exception. With Facebook Login (`graph.facebook.com`, a Page token) every
call also carries `appsecret_proof` when an app secret is given (docs/instagram.md, API flavour
and settings), as apps that require it refuse calls without.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from bot.errors import SendAmbiguous, SendError, SendRetryable
from bot.instagram.account_api import GraphFlavour, appsecret_proof, flavour_of
from bot.instagram.graph_answer import GraphAnswer
from bot.instagram.graph_errors import classify_error, classify_transport_error
from bot.instagram.messages import (
    ButtonTemplate,
    GenericTemplate,
    MediaMessage,
    OutgoingMessage,
    QuickReply,
    SenderAction,
    TextMessage,
    parse_outgoing,
    text_messages,
)
from bot.instagram.splitter import TEXT_LIMIT_BYTES, split_text

logger = logging.getLogger(__name__)

_Model = TypeVar("_Model", bound=BaseModel)

Tag = Literal["HUMAN_AGENT"]
"""The only message tag Instagram has: a person's reply within 7 days. Never for bots."""

_SENDER_ACTIONS = frozenset({"mark_seen", "typing_on", "typing_off"})
_MESSAGE_FIELDS = "messages{id,created_time,from,to,message}"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class SendResult:
    """What the Send API answered: the echo webhook will carry `message_id` as its `mid`."""

    message_id: str
    recipient_id: str


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message the business sent in a conversation, as the Conversations API reports it.

    `text` is None for messages without text (templates, media). The business's messages
    include the ones a person typed in the Instagram app, not only ours.
    """

    message_id: str
    text: str | None
    created_at: datetime


class _SendResponse(GraphAnswer):
    message_id: str = Field(min_length=1)
    recipient_id: str | None = None


# Read when a send's outcome is looked up (the Conversations API) or a buyer's profile is:
# their validators are built then (defer_build), not at import.
class _LookupAnswer(GraphAnswer):
    model_config = ConfigDict(defer_build=True)


class _Party(_LookupAnswer):
    id: str


class _Parties(_LookupAnswer):
    data: list[_Party] = Field(default_factory=list)


class _GraphMessage(_LookupAnswer):
    id: str
    created_time: datetime
    from_: _Party | None = Field(default=None, alias="from")
    to: _Parties | None = None
    message: str | None = None

    @field_validator("created_time", mode="before")
    @classmethod
    def _graph_time(cls, value: Any) -> Any:
        # Graph writes offsets as "+0000", which pydantic's ISO parser rejects; its times are
        # UTC, so one without an offset is read as UTC rather than as local time.
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        return value


@dataclass(frozen=True, slots=True)
class Profile:
    """What the User Profile API tells of a buyer; never logged."""

    username: str | None
    name: str | None


class _Profile(_LookupAnswer):
    username: str | None = None
    name: str | None = None


class _MessagePage(_LookupAnswer):
    data: list[_GraphMessage] = Field(default_factory=list)


class _Conversation(_LookupAnswer):
    id: str
    messages: _MessagePage | None = None


class _ConversationList(_LookupAnswer):
    data: list[_Conversation] = Field(default_factory=list)


class SendApiClient:
    """Calls the Instagram Send API and Conversations API for one account.

    `http` is the process's shared httpx client; its timeouts apply. `graph_url` and `version`
    come from settings (META_GRAPH_URL, META_GRAPH_VERSION) and `account_id` is the IG_ID or
    "me". `flavour` defaults to the host's (`flavour_of`); with Facebook Login and an
    `app_secret` (the secret of the app that issued the token) every call carries
    `appsecret_proof`. `clock` only serves to read a Retry-After given as a date.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        graph_url: str,
        version: str,
        account_id: str,
        access_token: SecretStr,
        flavour: GraphFlavour | None = None,
        app_secret: SecretStr | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._http = http
        self._base = f"{graph_url.rstrip('/')}/{quote(version, safe='')}"
        self._account_id = account_id
        self._token = access_token
        self.flavour: GraphFlavour = flavour or flavour_of(graph_url)
        self._proof = (
            appsecret_proof(access_token, app_secret)
            if self.flavour == "facebook_login" and app_secret is not None
            else None
        )
        self._clock = clock

    def __repr__(self) -> str:
        return f"SendApiClient({self._base!r}, account_id={self._account_id!r})"

    @property
    def messages_url(self) -> str:
        """The URL every send and sender action is POSTed to."""
        return f"{self._base}/{quote(self._account_id, safe='')}/messages"

    @staticmethod
    def request_body(
        recipient_id: str, message: OutgoingMessage, *, tag: Tag | None = None
    ) -> dict[str, Any]:
        """The JSON body that sends `message` to `recipient_id` (docs/instagram.md, Request fields).

        Bot replies go as RESPONSE; a HUMAN_AGENT-tagged reply as MESSAGE_TAG with its tag.
        Raises ValueError for any other tag.
        """
        if tag not in (None, "HUMAN_AGENT"):
            raise ValueError(f"Instagram has no message tag {tag!r}; only HUMAN_AGENT exists")
        body: dict[str, Any] = {
            "recipient": {"id": recipient_id},
            "messaging_type": "RESPONSE" if tag is None else "MESSAGE_TAG",
            "message": message.to_wire(),
        }
        if tag is not None:
            body["tag"] = tag
        return body

    async def send(
        self, recipient_id: str, message: OutgoingMessage, *, tag: Tag | None = None
    ) -> SendResult:
        """Send one message to the buyer `recipient_id` (an IGSID from a webhook).

        `tag="HUMAN_AGENT"` only for a message a person wrote, 24 h to 7 days after the
        buyer's last message; never for the bot's own replies.

        Raises SendRetryable (not delivered, try later), SendFinal (not delivered, never
        retry) or SendAmbiguous (may have been delivered: reconcile before resending);
        ValueError for a tag other than HUMAN_AGENT.
        """
        body = self.request_body(recipient_id, message, tag=tag)
        response = await self._request("POST", self.messages_url, json=body, what="send")
        try:
            answer = _SendResponse.model_validate_json(response.content)
        except ValidationError as exc:
            error = classify_error(response.status_code, None)
            logger.warning("Graph API send answered without a message id: %s", error)
            raise error from exc
        logger.debug("sent %s message %s", message.kind, answer.message_id)
        return SendResult(answer.message_id, answer.recipient_id or recipient_id)

    async def sender_action(self, recipient_id: str, action: SenderAction) -> None:
        """Show `action` (mark_seen, typing_on, typing_off) to the buyer, in its own request.

        Raises the same errors as `send`. A SendAmbiguous here is harmless: sender actions are
        idempotent and can be treated as done.
        """
        if action not in _SENDER_ACTIONS:
            raise ValueError(f"unsupported sender action {action!r}")
        body = {"recipient": {"id": recipient_id}, "sender_action": action}
        await self._request("POST", self.messages_url, json=body, what="sender_action")

    async def recent_messages(
        self, recipient_id: str, *, since: datetime | None = None
    ) -> list[SentMessage]:
        """The business's recent messages to `recipient_id`, oldest first (Conversations API).

        Meant to settle a SendAmbiguous: a message with our text created after we called the
        API means it was delivered. Meta returns only the 20 newest messages of a
        conversation, and the Conversations API allows 2 calls/s per account (this makes 2).
        `since` drops older messages; Graph's times have whole seconds, so it is compared at
        that precision (pass the time of the send minus a margin for clock skew). Messages
        without a known sender are left out.

        Raises SendRetryable when the lookup may work later (network, throttling, 5xx) and
        SendFinal when it cannot (bad token, missing permission).
        """
        conversations = await self._read(
            f"{self._base}/{quote(self._account_id, safe='')}/conversations",
            {"platform": "instagram", "user_id": recipient_id},
            _ConversationList,
        )
        floor = since.replace(microsecond=0) if since is not None else None
        found: list[SentMessage] = []
        for conversation in conversations.data:
            detail = await self._read(
                f"{self._base}/{quote(conversation.id, safe='')}",
                {"fields": _MESSAGE_FIELDS},
                _Conversation,
            )
            page = detail.messages.data if detail.messages else []
            # Meta lists newest first; reversed, a stable sort keeps same-second messages in
            # the order they were sent.
            found.extend(
                SentMessage(item.id, item.message or None, item.created_time)
                for item in reversed(page)
                if _sent_by_business(item, recipient_id)
                and (floor is None or item.created_time >= floor)
            )
        return sorted(found, key=lambda sent: sent.created_at)

    async def profile(self, igsid: str) -> Profile:
        """The buyer's username and name (User Profile API).

        Only readable once the buyer has messaged the business. Raises SendRetryable or
        SendFinal like any read; callers treat a profile as optional enrichment.
        """
        found = await self._read(
            f"{self._base}/{quote(igsid, safe='')}", {"fields": "name,username"}, _Profile
        )
        return Profile(username=found.username or None, name=found.name or None)

    async def _read(self, url: str, params: Mapping[str, str], model: type[_Model]) -> _Model:
        try:
            response = await self._request("GET", url, params=params, what="conversations")
        except SendAmbiguous as exc:
            # A read has no side effect to be unsure about: it can simply be made again.
            raise SendRetryable(
                exc.code,
                exc.subcode,
                exc.reason,
                http_status=exc.http_status,
                fbtrace_id=exc.fbtrace_id,
                scope=exc.scope,
            ) from exc
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            error = SendRetryable(
                None, None, "malformed_response", http_status=response.status_code
            )
            logger.warning("Graph API conversations failed: %s", error)
            raise error from exc

    async def _request(
        self,
        method: str,
        url: str,
        *,
        what: str,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._token.get_secret_value()}"}
        query = dict(params or {})
        if self._proof is not None:
            query["appsecret_proof"] = self._proof
        try:
            response = await self._http.request(
                method, url, json=json, params=query or None, headers=headers
            )
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            error: SendError = classify_transport_error(exc)
            logger.warning("Graph API %s failed: %s (%s)", what, error, type(exc).__name__)
            raise error from exc
        if response.is_success and _looks_successful(response):
            return response
        error = classify_error(
            response.status_code, response.content, headers=response.headers, now=self._clock()
        )
        logger.warning("Graph API %s failed: %s", what, error)
        raise error


def _looks_successful(response: httpx.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and "error" not in body


def _sent_by_business(message: _GraphMessage, recipient_id: str) -> bool:
    if message.from_ is None or message.from_.id == recipient_id:
        return False
    return message.to is None or any(party.id == recipient_id for party in message.to.data)


__all__ = [
    "TEXT_LIMIT_BYTES",
    "ButtonTemplate",
    "GenericTemplate",
    "MediaMessage",
    "OutgoingMessage",
    "QuickReply",
    "SendApiClient",
    "SendResult",
    "SenderAction",
    "SentMessage",
    "Tag",
    "TextMessage",
    "parse_outgoing",
    "split_text",
    "text_messages",
]
