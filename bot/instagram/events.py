"""Instagram webhook bodies: payload models and the events they carry.

Everything here follows docs/instagram.md, Webhook bodies and Delivery semantics.
`parse_webhook` turns a verified body into `InboundEvent`s (one per event, each with its dedupe
key and conversation); the worker later reads an event's `payload` back with
`MessagingItem.model_validate`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

# Above this size a body is hashed and parsed in a thread, so other requests are not held up.
OFFLOAD_BYTES = 256 * 1024
_DEDUPE_KEY_LIMIT = 255
# How much of a signed body that is not JSON is kept for operators to look at.
_KEPT_TEXT_BYTES = 64 * 1024
# Milliseconds since 1970 pass 10^11 in 1973; anything below is a seconds value (the `changes`
# shapes and the Dashboard's test button send seconds).
_MILLISECONDS_FROM = 10**11
# Meta's bodies nest a dozen levels at most. Deeper values are replaced by a marker, so that
# storing and reading the payload never runs out of stack (json.dumps fails near 900 levels).
MAX_DEPTH = 64
DEPTH_MARKER = "[nested too deeply: dropped]"
# NUL and lone surrogates: PostgreSQL stores neither in text or jsonb, and no UTF-8 encoder
# (SQLite's included) accepts a lone surrogate. Both become U+FFFD.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class _Model(BaseModel):
    # Meta adds fields without notice; unknown ones are ignored here and kept in the raw payload.
    model_config = ConfigDict(frozen=True, extra="ignore", coerce_numbers_to_str=True)


class Party(_Model):
    id: str


class AttachmentPayload(_Model):
    url: str | None = None
    title: str | None = None
    ig_post_media_id: str | None = None


class Attachment(_Model):
    """Media or a shared post: `type` is audio, file, image, ig_post (with `ig_post_media_id`),
    story_mention, video, ig_reel, reel, ephemeral (no url) or fallback (EU withheld content).

    The legacy `share` type is gone since 2026-04-27 (docs/instagram.md, Changes since
    2026-11-28): nothing depends on it, and one that still arrives is kept like any other type.
    """

    type: str
    payload: AttachmentPayload | None = None


class QuickReplyTap(_Model):
    payload: str


class Story(_Model):
    id: str | None = None
    url: str | None = None
    link_sticker_url: str | None = None


class ReplyTo(_Model):
    mid: str | None = None
    story: Story | None = None


class ReferralProduct(_Model):
    id: str | None = None


class Referral(_Model):
    ref: str | None = None
    source: str | None = None
    type: str | None = None
    ad_id: str | None = None
    ads_context_data: dict[str, Any] | None = None
    product: ReferralProduct | None = None


class Message(_Model):
    mid: str
    text: str | None = None
    attachments: tuple[Attachment, ...] = ()
    quick_reply: QuickReplyTap | None = None
    reply_to: ReplyTo | None = None
    referral: Referral | None = None
    is_echo: bool = False
    is_deleted: bool = False
    is_unsupported: bool = False
    is_self: bool = False


class Postback(_Model):
    mid: str | None = None
    title: str | None = None
    payload: str | None = None
    referral: Referral | None = None


class Reaction(_Model):
    mid: str
    action: str
    reaction: str | None = None
    emoji: str | None = None


class Read(_Model):
    mid: str


class MessageEdit(_Model):
    mid: str
    text: str | None = None
    num_edit: int = 0

    @field_validator("num_edit", mode="before")
    @classmethod
    def _count(cls, value: Any) -> Any:
        # Meta's example shows a placeholder string; a count we cannot read is "some edit".
        if isinstance(value, str) and not value.strip().isdigit():
            return 0
        return value


class PolicyEnforcement(_Model):
    """Meta warned, blocked or unblocked the account (docs/instagram.md, Policy enforcement)."""

    action: str
    reason: str | None = None


class ThreadControl(_Model):
    """pass_thread_control / take_thread_control / request_thread_control (Conversation Routing)."""

    previous_owner_app_id: str | None = None
    new_owner_app_id: str | None = None
    requested_owner_app_id: str | None = None
    metadata: str | None = None


class MessagingItem(_Model):
    """One item of `entry[].messaging[]` or `entry[].standby[]`: exactly one event key is set."""

    sender: Party | None = None
    recipient: Party | None = None
    timestamp: int
    message: Message | None = None
    postback: Postback | None = None
    reaction: Reaction | None = None
    read: Read | None = None
    referral: Referral | None = None
    message_edit: MessageEdit | None = None
    pass_thread_control: ThreadControl | None = None
    take_thread_control: ThreadControl | None = None
    request_thread_control: ThreadControl | None = None
    optin: dict[str, Any] | None = None
    policy_enforcement: PolicyEnforcement | None = None


class Change(_Model):
    """One item of `entry[].changes[]`: comments, mentions, or the Dashboard's test message."""

    field: str
    value: Any = None


class Entry(_Model):
    id: str
    time: int | None = None
    # Left loose on purpose: an odd shape inside an entry is stored as UNKNOWN, not refused.
    messaging: Any = None
    standby: Any = None
    changes: Any = None
    field: str | None = None
    value: Any = None


class WebhookBody(_Model):
    object: Literal["instagram"]
    entry: tuple[dict[str, Any], ...] = Field(min_length=1)


class EventKind(StrEnum):
    """What an inbox event is; decides how the worker handles it."""

    MESSAGE = "message"  # a buyer's message (text, attachments, quick reply, story reply …)
    ECHO = "echo"  # a message the business sent: this bot, another app, or a person
    DELETED = "deleted"  # the buyer unsent a message
    EDIT = "edit"  # the buyer edited a message
    POSTBACK = "postback"  # ice breaker, template button or menu tap
    REACTION = "reaction"
    READ = "read"
    REFERRAL = "referral"  # ig.me link opened in an existing thread
    HANDOVER = "handover"  # Conversation Routing thread-control change
    OPTIN = "optin"  # marketing opt-in; not used by this product
    CHANGE = "change"  # `changes` notification (comments, mentions …): not a DM
    TEST = "test"  # the App Dashboard's test button: log it, create nothing
    UNKNOWN = "unknown"  # a shape we do not know: stored and logged, never answered
    POLICY = "policy"  # messaging_policy_enforcement: Meta warned, blocked or unblocked the account
    IGNORED = "ignored"  # a signed body wismo does not handle (another object, not JSON …)


@dataclass(frozen=True, slots=True)
class InboundEvent:
    """One webhook event as the inbox stores it.

    `igsid` is the buyer (sender of inbound events, recipient of echoes) or None when the event
    belongs to no conversation; `payload` is the raw JSON item, so nothing Meta sent is lost.
    """

    dedupe_key: str
    kind: EventKind
    account_id: str
    igsid: str | None
    occurred_at: datetime
    standby: bool
    payload: dict[str, Any]

    @property
    def lane_key(self) -> str:
        """Events sharing a lane are handled one at a time, in timestamp order."""
        return f"{self.account_id}/{self.igsid or ''}"


def _instant(value: object, received_at: datetime) -> datetime:
    """The event time Meta gave (milliseconds or seconds), or `received_at` when there is none
    or it is not a positive number. Not clamped: it orders a conversation's events; the
    pipeline clamps what it records (bot/pipeline/inbox.py, StoredEvent.at)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return received_at
    try:
        number = float(value)
    except ValueError:
        return received_at
    if not number > 0:  # also NaN
        return received_at
    seconds = number / 1000 if number >= _MILLISECONDS_FROM else number
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return received_at


def _bounded_key(key: str) -> str:
    if len(key) <= _DEDUPE_KEY_LIMIT:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _content_key(prefix: str, content: Any) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{prefix}:sha256:{hashlib.sha256(canonical.encode()).hexdigest()}"


def _classify(item: MessagingItem) -> tuple[EventKind, str, str | None]:
    """The kind, dedupe key (docs/instagram.md, Dedupe keys) and buyer IGSID of one item."""
    sender = item.sender.id if item.sender else ""
    recipient = item.recipient.id if item.recipient else None
    at = item.timestamp
    if item.message is not None:
        message = item.message
        if message.is_echo:
            return EventKind.ECHO, f"message:{message.mid}", recipient
        if message.is_deleted:
            return EventKind.DELETED, f"deleted:{message.mid}", sender or None
        return EventKind.MESSAGE, f"message:{message.mid}", sender or None
    if item.postback is not None:
        postback = item.postback
        key = postback.mid or f"{sender}:{at}:{postback.payload or ''}"
        return EventKind.POSTBACK, f"postback:{key}", sender or None
    if item.reaction is not None:
        reaction = item.reaction
        # The timestamp tells a later identical reaction (react, unreact, react) from a retry.
        key = f"{sender}:{reaction.mid}:{reaction.action}:{reaction.emoji or ''}:{at}"
        return EventKind.REACTION, f"reaction:{key}", sender or None
    if item.read is not None:
        return EventKind.READ, f"read:{sender}:{item.read.mid}", sender or None
    if item.message_edit is not None:
        edit = item.message_edit
        return EventKind.EDIT, f"edit:{edit.mid}:{edit.num_edit}", sender or None
    if item.referral is not None:
        key = f"{sender}:{at}:{item.referral.ref or ''}"
        return EventKind.REFERRAL, f"referral:{key}", sender or None
    for name in ("pass_thread_control", "take_thread_control", "request_thread_control"):
        if getattr(item, name) is not None:
            return EventKind.HANDOVER, f"{name}:{sender}:{at}", sender or None
    if item.optin is not None:
        return EventKind.OPTIN, f"optin:{sender}:{at}", sender or None
    if item.policy_enforcement is not None:
        action = item.policy_enforcement.action
        return EventKind.POLICY, f"policy:{recipient or ''}:{at}:{action}", None
    return EventKind.UNKNOWN, _content_key("unknown", item.model_dump(mode="json")), None


def _messaging_events(
    account_id: str, items: Any, *, standby: bool, received_at: datetime
) -> Iterator[InboundEvent]:
    raw_items = items if isinstance(items, list | tuple) else [items]
    for raw in raw_items:
        prefix = "standby:" if standby else ""
        if not isinstance(raw, dict):
            yield InboundEvent(
                _bounded_key(_content_key(prefix + "unknown", [account_id, raw])),
                EventKind.UNKNOWN,
                account_id,
                None,
                received_at,
                standby,
                {"item": raw},
            )
            continue
        try:
            item = MessagingItem.model_validate(raw)
        except ValidationError:
            kind, key, igsid = (
                EventKind.UNKNOWN,
                _content_key("unknown", [account_id, raw]),
                None,
            )
            occurred_at = _instant(raw.get("timestamp"), received_at)
        else:
            kind, key, igsid = _classify(item)
            occurred_at = _instant(item.timestamp, received_at)
        yield InboundEvent(
            _bounded_key(prefix + key), kind, account_id, igsid, occurred_at, standby, raw
        )


def _change_events(
    entry: Entry, raw_entry: dict[str, Any], received_at: datetime
) -> Iterator[InboundEvent]:
    changes: list[Any] = []
    if entry.changes is not None:
        changes += entry.changes if isinstance(entry.changes, list) else [entry.changes]
    if entry.field is not None:
        # Some of Meta's Business-Login examples put field/value on the entry itself.
        changes.append({"field": entry.field, "value": entry.value})
    for raw in changes:
        try:
            change = Change.model_validate(raw)
        except ValidationError:
            field = None
        else:
            field = change.field
        content = {"id": entry.id, "time": entry.time, "change": raw}
        # The Dashboard's test button sends a `messages` change with entry.id "0"; real DMs
        # never use this shape (docs/instagram.md, Changes and test deliveries).
        is_test = field == "messages"
        yield InboundEvent(
            _bounded_key(_content_key("test" if is_test else "change", content)),
            EventKind.TEST if is_test else EventKind.CHANGE,
            entry.id,
            None,
            _instant(entry.time, received_at),
            False,
            {"entry_id": raw_entry.get("id"), "time": entry.time, "change": raw},
        )


def parse_webhook(raw: bytes, received_at: datetime) -> list[InboundEvent]:
    """Every event of a verified webhook body, duplicates within the body removed.

    Shapes inside an entry that are not understood become UNKNOWN events, so nothing is lost and
    nothing crashes. `received_at` stands in for a missing or unreadable event time.
    A body that is not JSON or not an Instagram webhook at all (a Page webhook on the same URL,
    no entries) is one IGNORED event holding the reason and the body: it is acknowledged and
    recorded, never answered. Raises nothing for any body.
    """
    # Why a signed body we cannot use is acknowledged rather than refused: Meta retries every
    # non-2xx answer with the same bytes (the signature covers them), so a refusal can never
    # succeed later; it only counts towards the hour of failures after which Meta disables the
    # webhook and unsubscribes the account (docs/instagram.md, Acknowledging fast and
    # Envelope). That holds for a body that is not JSON at all as much as for a Page webhook.
    try:
        document = json.loads(raw, parse_constant=_not_json)
    except (ValueError, RecursionError):
        return [_ignored(raw, "body is not valid JSON", None, received_at)]
    document = storable(document)
    try:
        body = WebhookBody.model_validate(document)
    except ValidationError:
        return [_ignored(raw, _why_not_instagram(document), document, received_at)]
    events: dict[str, InboundEvent] = {}
    for raw_entry in body.entry:
        for event in _entry_events(raw_entry, received_at):
            events.setdefault(event.dedupe_key, event)
    return list(events.values())


def _ignored(raw: bytes, reason: str, document: Any, received_at: datetime) -> InboundEvent:
    """A whole signed body wismo does not handle, kept with why (the bytes decide its key, so
    Meta's retries of it are stored once)."""
    if document is None:
        text = raw[:_KEPT_TEXT_BYTES].decode("utf-8", errors="replace").replace("\x00", "\ufffd")
        kept: dict[str, Any] = {"text": text, "bytes": len(raw)}
    else:
        kept = {"body": document}
    body_object = document.get("object") if isinstance(document, dict) else None
    return InboundEvent(
        f"ignored:sha256:{hashlib.sha256(raw).hexdigest()}",
        EventKind.IGNORED,
        "",
        None,
        received_at,
        False,
        {"reason": reason, "object": body_object, **kept},
    )


def _entry_events(raw_entry: dict[str, Any], received_at: datetime) -> list[InboundEvent]:
    """The events of one entry; an entry with none understood, or without an id, is one
    UNKNOWN event."""
    try:
        entry = Entry.model_validate(raw_entry)
    except ValidationError:
        return [
            InboundEvent(
                _bounded_key(_content_key("unknown", raw_entry)),
                EventKind.UNKNOWN,
                "",
                None,
                received_at,
                False,
                {"entry": raw_entry, "reason": "entry without an id"},
            )
        ]
    found: list[InboundEvent] = []
    if entry.messaging is not None:
        found += _messaging_events(
            entry.id, entry.messaging, standby=False, received_at=received_at
        )
    if entry.standby is not None:
        found += _messaging_events(entry.id, entry.standby, standby=True, received_at=received_at)
    if entry.changes is not None or entry.field is not None:
        found += _change_events(entry, raw_entry, received_at)
    if not found:
        found.append(
            InboundEvent(
                _bounded_key(_content_key("unknown", raw_entry)),
                EventKind.UNKNOWN,
                entry.id,
                None,
                _instant(entry.time, received_at),
                False,
                {"entry": raw_entry},
            )
        )
    return found


def _not_json(constant: str) -> Any:
    # Python's json accepts NaN and Infinity; JSON (and PostgreSQL's jsonb) do not.
    raise ValueError(f"{constant} is not JSON")


def _clean(text: str) -> str:
    return _UNSTORABLE.sub("\ufffd", text) if _UNSTORABLE.search(text) else text


def _cleaned(value: Any, depth: int, deeper: list[tuple[Any, int]]) -> Any:
    """`value` as stored at `depth`: a string cleaned, a container queued in `deeper` to clean
    (or, past MAX_DEPTH, the marker)."""
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, list | dict):
        if depth >= MAX_DEPTH:
            return DEPTH_MARKER
        deeper.append((value, depth))
    return value


def storable(document: Any) -> Any:
    """A parsed JSON document made storable in every database, in place: NUL and lone
    surrogates in strings and keys replaced by U+FFFD, values nested deeper than MAX_DEPTH
    replaced by DEPTH_MARKER. Iterative, so any nesting json.loads accepts is fine."""
    deeper: list[tuple[Any, int]] = []
    top = _cleaned(document, 0, deeper)
    while deeper:
        node, depth = deeper.pop()
        if isinstance(node, list):
            node[:] = [_cleaned(item, depth + 1, deeper) for item in node]
            continue
        items = [(_clean(key), _cleaned(item, depth + 1, deeper)) for key, item in node.items()]
        node.clear()
        for key, item in items:
            node.setdefault(key, item)
    return top


def _why_not_instagram(document: Any) -> str:
    if not isinstance(document, dict):
        return "body is not a JSON object"
    if document.get("object") != "instagram":
        return "not an Instagram webhook (object is not 'instagram')"
    if not isinstance(document.get("entry"), list) or not document["entry"]:
        return "no entry list"
    return "entries must be JSON objects"


__all__ = [
    "OFFLOAD_BYTES",
    "Attachment",
    "Change",
    "EventKind",
    "InboundEvent",
    "Message",
    "MessageEdit",
    "MessagingItem",
    "PolicyEnforcement",
    "Postback",
    "Reaction",
    "Read",
    "Referral",
    "ReplyTo",
    "ThreadControl",
    "parse_webhook",
]
