"""Outgoing Instagram messages: validated models that round-trip through JSON and render to wire.

Instagram's limits (docs/instagram.md, Send API and Limits) are checked when a model is built, so a
message that exists is one the Send API accepts. Two kinds of limit are handled differently:

- labels the buyer sees on a button (quick-reply and button titles, template titles and
  subtitles) are trimmed to fit at a grapheme boundary and end with "…", as Instagram itself
  would cut them on screen;
- content whose loss would change meaning (message text, payloads, the number of replies,
  buttons or elements) is rejected with a pydantic ValidationError, because silently dropping
  part of it would send the buyer something else. Split long text with `text_messages`.

"Characters" are counted in UTF-16 code units, which is never fewer than Meta's count however
it counts (code points or UTF-16), so anything we accept also fits Meta's limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import regex
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from bot.instagram.splitter import TEXT_LIMIT_BYTES, split_text

QUICK_REPLY_LIMIT = 13
BUTTON_LIMIT = 3
ELEMENT_LIMIT = 10
TITLE_CHARS = 20  # quick-reply and button titles
ELEMENT_TEXT_CHARS = 80  # generic-template title and subtitle
BUTTON_TEXT_CHARS = 640  # button-template text
PAYLOAD_CHARS = 1000

DISABLED_QUICK_REPLIES = frozenset({"user_phone_number", "user_email"})
"""Quick-reply kinds Meta disabled on 2026-10-05: wismo builds text quick replies only."""

SenderAction = Literal["mark_seen", "typing_on", "typing_off"]
"""The sender actions Instagram supports without a payload (docs/instagram.md, Sender actions)."""

_ELLIPSIS = "…"
_GRAPHEME = regex.compile(r"\X")


def char_count(text: str) -> int:
    """Length in UTF-16 code units: an upper bound on Meta's character count."""
    return len(text.encode("utf-16-le")) // 2


def fit_label(text: str, limit: int) -> str:
    """Return `text` with its whitespace collapsed, cut if needed to `limit` characters ending "…".

    The cut falls between grapheme clusters, so no emoji sequence or accent is broken.
    Raises ValueError when nothing visible is left.
    """
    text = " ".join(text.split())
    if not text:
        raise ValueError("must not be blank")
    if char_count(text) <= limit:
        return text
    room = limit - char_count(_ELLIPSIS)
    kept: list[str] = []
    used = 0
    for grapheme in _GRAPHEME.findall(text):
        used += char_count(grapheme)
        if used > room:
            break
        kept.append(grapheme)
    head = "".join(kept).rstrip()
    if not head:
        raise ValueError(f"its first character does not fit in {limit} characters")
    return head + _ELLIPSIS


def _label(limit: int) -> AfterValidator:
    return AfterValidator(lambda value: fit_label(value, limit))


def _at_most(limit: int) -> AfterValidator:
    def check(value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        if char_count(value) > limit:
            raise ValueError(f"must be at most {limit} characters, got {char_count(value)}")
        return value

    return AfterValidator(check)


def _text_bytes(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    size = len(value.encode("utf-8"))
    if size > TEXT_LIMIT_BYTES:
        raise ValueError(
            f"must be at most {TEXT_LIMIT_BYTES} UTF-8 bytes, got {size}; split it with "
            "text_messages()"
        )
    return value


def _web_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname or value != value.strip():
        raise ValueError("must be an absolute http(s) URL")
    if any(character.isspace() for character in value):
        raise ValueError("must not contain whitespace")
    return value


Title = Annotated[str, _label(TITLE_CHARS)]
ElementText = Annotated[str, _label(ELEMENT_TEXT_CHARS)]
Payload = Annotated[str, _at_most(PAYLOAD_CHARS)]
WebUrl = Annotated[str, AfterValidator(_web_url)]


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def _dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True, exclude={"kind"})


class QuickReply(_Wire):
    """A tappable reply under a text message; the tap comes back as `quick_reply.payload`.

    Text quick replies only: Meta disabled the phone-number and email kinds on 2026-10-05
    (docs/instagram.md, Changes since 2026-11-28), so asking for one is a ValidationError that
    says so.
    """

    title: Title
    payload: Payload

    @model_validator(mode="before")
    @classmethod
    def _text_only(cls, data: Any) -> Any:
        kind = data.get("content_type") if isinstance(data, dict) else None
        if kind in DISABLED_QUICK_REPLIES:
            raise ValueError(
                f"{kind} quick replies are disabled by Meta since 2026-10-05; "
                "ask for the phone number or email in text"
            )
        if kind == "text":
            return {key: value for key, value in data.items() if key != "content_type"}
        return data

    def to_wire(self) -> dict[str, Any]:
        return {"content_type": "text", **self._dump()}


class UrlButton(_Wire):
    """A button that opens a web page."""

    type: Literal["web_url"] = "web_url"
    title: Title
    url: WebUrl


class PostbackButton(_Wire):
    """A button whose tap comes back as a `postback` event carrying `payload`."""

    type: Literal["postback"] = "postback"
    title: Title
    payload: Payload


Button = Annotated[UrlButton | PostbackButton, Field(discriminator="type")]


class DefaultAction(_Wire):
    """What tapping a generic-template element itself opens."""

    type: Literal["web_url"] = "web_url"
    url: WebUrl


class GenericElement(_Wire):
    """One card of a generic template: a title plus at least one other property."""

    title: ElementText
    subtitle: ElementText | None = None
    image_url: WebUrl | None = None
    default_action: DefaultAction | None = None
    buttons: tuple[Button, ...] = Field(default=(), max_length=BUTTON_LIMIT)

    @model_validator(mode="after")
    def _more_than_a_title(self) -> GenericElement:
        if (
            self.subtitle is None
            and self.image_url is None
            and self.default_action is None
            and not self.buttons
        ):
            raise ValueError("an element needs a subtitle, image_url, default_action or button")
        return self


class TextMessage(_Wire):
    """Text of at most 1000 UTF-8 bytes, optionally with up to 13 quick replies."""

    kind: Literal["text"] = "text"
    text: Annotated[str, AfterValidator(_text_bytes)]
    quick_replies: tuple[QuickReply, ...] = Field(default=(), max_length=QUICK_REPLY_LIMIT)

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"text": self.text}
        if self.quick_replies:
            wire["quick_replies"] = [reply.to_wire() for reply in self.quick_replies]
        return wire


class GenericTemplate(_Wire):
    """A carousel of 1 to 10 cards. Not shown on Instagram's web version."""

    kind: Literal["generic"] = "generic"
    elements: tuple[GenericElement, ...] = Field(min_length=1, max_length=ELEMENT_LIMIT)

    def to_wire(self) -> dict[str, Any]:
        elements = [element._dump() for element in self.elements]
        for element in elements:
            if not element["buttons"]:
                del element["buttons"]  # an element without buttons sends no empty list
        return {
            "attachment": {
                "type": "template",
                "payload": {"template_type": "generic", "elements": elements},
            }
        }


class ButtonTemplate(_Wire):
    """Text of up to 640 characters with 1 to 3 buttons. Not shown on Instagram's web version."""

    kind: Literal["button"] = "button"
    text: Annotated[str, _at_most(BUTTON_TEXT_CHARS)]
    buttons: tuple[Button, ...] = Field(min_length=1, max_length=BUTTON_LIMIT)

    def to_wire(self) -> dict[str, Any]:
        return {
            "attachment": {
                "type": "template",
                "payload": {"template_type": "button", **self._dump()},
            }
        }


class MediaMessage(_Wire):
    """One image, audio, video or PDF file fetched by Meta from `url` (see Limits)."""

    kind: Literal["media"] = "media"
    media_type: Literal["image", "audio", "video", "file"]
    url: WebUrl

    def to_wire(self) -> dict[str, Any]:
        return {"attachment": {"type": self.media_type, "payload": {"url": self.url}}}


OutgoingMessage = Annotated[
    TextMessage | GenericTemplate | ButtonTemplate | MediaMessage, Field(discriminator="kind")
]
"""Any message wismo sends. `model_dump_json()` and `parse_outgoing` round-trip it exactly."""

_OUTGOING: TypeAdapter[OutgoingMessage] = TypeAdapter(OutgoingMessage)


def parse_outgoing(data: str | bytes) -> OutgoingMessage:
    """Rebuild a message from the JSON its `model_dump_json()` produced.

    Raises pydantic.ValidationError when the JSON is not a valid outgoing message.
    """
    return _OUTGOING.validate_json(data)


def text_messages(
    text: str, quick_replies: Sequence[QuickReply] = (), *, limit: int = TEXT_LIMIT_BYTES
) -> list[TextMessage]:
    """Split `text` (see `split_text`) into text messages, quick replies on the last one.

    The quick replies go last because Instagram shows them under the newest message only.
    Returns [] for blank text without quick replies. Raises ValueError for blank text with
    quick replies (they cannot be sent alone), ValidationError for more than 13 of them.
    """
    parts = split_text(text, limit)
    if not parts and quick_replies:
        raise ValueError("quick replies need a non-blank text to go with")
    return [
        TextMessage(
            text=part, quick_replies=tuple(quick_replies) if index == len(parts) - 1 else ()
        )
        for index, part in enumerate(parts)
    ]


__all__ = [
    "BUTTON_LIMIT",
    "BUTTON_TEXT_CHARS",
    "DISABLED_QUICK_REPLIES",
    "ELEMENT_LIMIT",
    "ELEMENT_TEXT_CHARS",
    "PAYLOAD_CHARS",
    "QUICK_REPLY_LIMIT",
    "TITLE_CHARS",
    "Button",
    "ButtonTemplate",
    "DefaultAction",
    "GenericElement",
    "GenericTemplate",
    "MediaMessage",
    "OutgoingMessage",
    "PostbackButton",
    "QuickReply",
    "SenderAction",
    "TextMessage",
    "UrlButton",
    "char_count",
    "fit_label",
    "parse_outgoing",
    "text_messages",
]
