"""Outgoing message models: Meta's documented shapes, Instagram's limits, a lossless JSON form."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from bot.instagram.messages import (
    ButtonTemplate,
    DefaultAction,
    GenericElement,
    GenericTemplate,
    MediaMessage,
    PostbackButton,
    QuickReply,
    TextMessage,
    UrlButton,
    char_count,
    fit_label,
    parse_outgoing,
    text_messages,
)
from bot.instagram.sendapi import SendApiClient

BUYER = "7100000000000001"

# Request bodies in Meta's documented shapes (docs/instagram.md, Send API), IGSID filled in.
REFERENCE_TEXT = {
    "recipient": {"id": BUYER},
    "messaging_type": "RESPONSE",
    "message": {"text": "Your parcel YT2229521272164446 is out for delivery today."},
}
REFERENCE_QUICK_REPLIES = {
    "recipient": {"id": BUYER},
    "messaging_type": "RESPONSE",
    "message": {
        "text": "What would you like to do?",
        "quick_replies": [
            {"content_type": "text", "title": "Track my order", "payload": "TRACK_ORDER"},
            {"content_type": "text", "title": "Talk to a person", "payload": "HANDOFF"},
        ],
    },
}
REFERENCE_GENERIC = {
    "recipient": {"id": BUYER},
    "messaging_type": "RESPONSE",
    "message": {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "generic",
                "elements": [
                    {
                        "title": "Order #10234 – Out for delivery",
                        "subtitle": "Carrier: ExampleShip · ETA today",
                        "image_url": "https://shop.example/img/parcel.png",
                        "default_action": {
                            "type": "web_url",
                            "url": "https://shop.example/track/10234",
                        },
                        "buttons": [
                            {
                                "type": "web_url",
                                "url": "https://shop.example/track/10234",
                                "title": "Track parcel",
                            },
                            {"type": "postback", "title": "Talk to a person", "payload": "HANDOFF"},
                        ],
                    }
                ],
            },
        }
    },
}
REFERENCE_BUTTON = {
    "recipient": {"id": BUYER},
    "messaging_type": "RESPONSE",
    "message": {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "button",
                "text": "Your parcel is held by customs. This usually clears in a few days.",
                "buttons": [
                    {
                        "type": "web_url",
                        "url": "https://shop.example/track/10234",
                        "title": "Track parcel",
                    },
                    {"type": "postback", "title": "Talk to a person", "payload": "HANDOFF"},
                ],
            },
        }
    },
}
REFERENCE_HUMAN_AGENT = {
    "recipient": {"id": BUYER},
    "messaging_type": "MESSAGE_TAG",
    "tag": "HUMAN_AGENT",
    "message": {"text": "Hi, this is Anna from the shop…"},
}

TRACK = UrlButton(title="Track parcel", url="https://shop.example/track/10234")
HANDOFF = PostbackButton(title="Talk to a person", payload="HANDOFF")
GENERIC = GenericTemplate(
    elements=(
        GenericElement(
            title="Order #10234 – Out for delivery",
            subtitle="Carrier: ExampleShip · ETA today",
            image_url="https://shop.example/img/parcel.png",
            default_action=DefaultAction(url="https://shop.example/track/10234"),
            buttons=(TRACK, HANDOFF),
        ),
    )
)
BUTTONS = ButtonTemplate(
    text="Your parcel is held by customs. This usually clears in a few days.",
    buttons=(TRACK, HANDOFF),
)
QUICK = TextMessage(
    text="What would you like to do?",
    quick_replies=(
        QuickReply(title="Track my order", payload="TRACK_ORDER"),
        QuickReply(title="Talk to a person", payload="HANDOFF"),
    ),
)
EVERY_KIND = [
    TextMessage(text="Your parcel YT2229521272164446 is out for delivery today."),
    QUICK,
    GENERIC,
    BUTTONS,
    MediaMessage(media_type="image", url="https://shop.example/img/label.png"),
]


def body(message, *, tag=None):
    return SendApiClient.request_body(BUYER, message, tag=tag)


# -- the documented shapes ---------------------------------------------------------------------


def test_text_renders_as_the_reference_body() -> None:
    message = TextMessage(text="Your parcel YT2229521272164446 is out for delivery today.")
    assert body(message) == REFERENCE_TEXT


def test_quick_replies_render_as_the_reference_body() -> None:
    assert body(QUICK) == REFERENCE_QUICK_REPLIES


def test_generic_template_renders_as_the_reference_body() -> None:
    assert body(GENERIC) == REFERENCE_GENERIC


def test_button_template_renders_as_the_reference_body() -> None:
    assert body(BUTTONS) == REFERENCE_BUTTON


def test_media_renders_as_the_reference_attachment() -> None:
    message = MediaMessage(media_type="image", url="https://shop.example/img/label.png")
    assert message.to_wire() == {
        "attachment": {"type": "image", "payload": {"url": "https://shop.example/img/label.png"}}
    }


def test_a_human_agent_reply_is_tagged_as_the_reference_shows() -> None:
    message = TextMessage(text="Hi, this is Anna from the shop…")
    assert body(message, tag="HUMAN_AGENT") == REFERENCE_HUMAN_AGENT


def test_no_tag_but_human_agent_exists_on_instagram() -> None:
    with pytest.raises(ValueError, match="HUMAN_AGENT"):
        body(TextMessage(text="Your order shipped"), tag="POST_PURCHASE_UPDATE")


# -- JSON round trip (the outbox stores messages as JSON) --------------------------------------


@pytest.mark.parametrize("message", EVERY_KIND, ids=lambda message: message.kind)
def test_every_message_round_trips_through_json(message) -> None:
    stored = message.model_dump_json()
    rebuilt = parse_outgoing(stored)
    assert rebuilt == message
    assert type(rebuilt) is type(message)
    assert rebuilt.to_wire() == message.to_wire()
    assert rebuilt.model_dump_json() == stored


def test_stored_json_names_the_kind_of_message() -> None:
    assert [json.loads(message.model_dump_json())["kind"] for message in EVERY_KIND] == [
        "text",
        "text",
        "generic",
        "button",
        "media",
    ]


def test_json_that_is_no_message_is_refused() -> None:
    with pytest.raises(ValidationError):
        parse_outgoing('{"kind": "carousel", "text": "hi"}')
    with pytest.raises(ValidationError):
        parse_outgoing('{"kind": "text", "text": ""}')


def test_messages_are_immutable() -> None:
    message = TextMessage(text="hi")
    with pytest.raises(ValidationError):
        message.text = "changed"


# -- text --------------------------------------------------------------------------------------


def test_text_is_limited_in_utf8_bytes_not_characters() -> None:
    TextMessage(text="包" * 333)  # 999 bytes
    with pytest.raises(ValidationError, match="1000 UTF-8 bytes"):
        TextMessage(text="包" * 334)  # 334 characters, but 1002 bytes


def test_blank_text_is_refused() -> None:
    with pytest.raises(ValidationError, match="blank"):
        TextMessage(text=" \n ")


def test_text_messages_split_a_long_reply_and_put_quick_replies_last() -> None:
    reply = "\n".join(f"包裹 {n}：已到达深圳转运中心，预计三天后送达。" for n in range(40))
    quick = (QuickReply(title="Talk to a person", payload="HANDOFF"),)
    messages = text_messages(reply, quick)
    assert len(messages) > 1
    assert all(len(message.text.encode()) <= 1000 for message in messages)
    assert [message.quick_replies for message in messages] == [()] * (len(messages) - 1) + [quick]
    assert "\n".join(message.text for message in messages) == reply


def test_quick_replies_cannot_go_without_text() -> None:
    assert text_messages("   ") == []
    with pytest.raises(ValueError, match="non-blank text"):
        text_messages("   ", [QuickReply(title="Track", payload="TRACK")])


# -- quick replies -----------------------------------------------------------------------------


def test_at_most_13_quick_replies() -> None:
    replies = tuple(QuickReply(title=f"Option {n}", payload=f"OPT_{n}") for n in range(14))
    TextMessage(text="Pick one", quick_replies=replies[:13])
    with pytest.raises(ValidationError, match="13"):
        TextMessage(text="Pick one", quick_replies=replies)


def test_a_long_quick_reply_title_is_cut_to_20_characters_with_an_ellipsis() -> None:
    reply = QuickReply(title="Where is my package right now?", payload="WISMO")
    assert reply.title == "Where is my package…"
    assert char_count(reply.title) == 20


def test_a_title_is_cut_between_graphemes_and_counted_in_utf16_units() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # 8 UTF-16 units
    reply = QuickReply(title=f"Hi {family}{family}{family}", payload="X")
    assert reply.title == f"Hi {family}{family}…"
    assert char_count(reply.title) <= 20


def test_a_title_that_fits_is_kept_and_whitespace_collapsed() -> None:
    assert QuickReply(title="  Track\nmy  order ", payload="T").title == "Track my order"
    assert fit_label("查询我的包裹", 20) == "查询我的包裹"


def test_quick_reply_payloads_are_never_cut() -> None:
    QuickReply(title="Track", payload="x" * 1000)
    with pytest.raises(ValidationError, match="1000"):
        QuickReply(title="Track", payload="x" * 1001)
    with pytest.raises(ValidationError, match="blank"):
        QuickReply(title="Track", payload="")


def test_a_blank_title_is_refused() -> None:
    with pytest.raises(ValidationError, match="blank"):
        QuickReply(title="   ", payload="X")


# -- templates ---------------------------------------------------------------------------------


def test_a_generic_template_holds_1_to_10_elements() -> None:
    element = GenericElement(title="Parcel", subtitle="In transit")
    GenericTemplate(elements=(element,) * 10)
    with pytest.raises(ValidationError):
        GenericTemplate(elements=(element,) * 11)
    with pytest.raises(ValidationError):
        GenericTemplate(elements=())


def test_an_element_without_buttons_sends_no_buttons_key() -> None:
    template = GenericTemplate(elements=(GenericElement(title="Parcel", subtitle="In transit"),))
    assert template.to_wire()["attachment"]["payload"]["elements"] == [
        {"title": "Parcel", "subtitle": "In transit"}
    ]


def test_an_element_needs_more_than_a_title() -> None:
    with pytest.raises(ValidationError, match="subtitle, image_url, default_action or button"):
        GenericElement(title="Parcel")


def test_element_title_and_subtitle_are_cut_to_80_characters() -> None:
    element = GenericElement(title="T" * 100, subtitle="S" * 81)
    assert char_count(element.title) == 80
    assert element.title.endswith("…")
    assert char_count(element.subtitle or "") == 80


def test_an_element_holds_at_most_3_buttons() -> None:
    GenericElement(title="Parcel", buttons=(TRACK, HANDOFF, TRACK))
    with pytest.raises(ValidationError):
        GenericElement(title="Parcel", buttons=(TRACK, HANDOFF, TRACK, HANDOFF))


def test_a_button_template_holds_1_to_3_buttons_and_640_characters() -> None:
    with pytest.raises(ValidationError):
        ButtonTemplate(text="Held by customs", buttons=())
    with pytest.raises(ValidationError):
        ButtonTemplate(text="Held by customs", buttons=(TRACK,) * 4)
    ButtonTemplate(text="x" * 640, buttons=(TRACK,))
    with pytest.raises(ValidationError, match="640"):
        ButtonTemplate(text="x" * 641, buttons=(TRACK,))


def test_button_titles_are_cut_and_postback_payloads_are_limited() -> None:
    assert PostbackButton(title="Talk to a real person please", payload="H").title == (
        "Talk to a real pers…"
    )
    with pytest.raises(ValidationError):
        PostbackButton(title="Talk", payload="p" * 1001)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "/track/10234",
        "shop.example/track",
        "https://",
        "https://a b.example",
    ],
)
def test_links_must_be_absolute_web_urls(url: str) -> None:
    with pytest.raises(ValidationError):
        UrlButton(title="Track", url=url)


def test_a_button_of_an_unknown_type_is_refused_when_rebuilt_from_json() -> None:
    stored = json.loads(BUTTONS.model_dump_json())
    stored["buttons"][0]["type"] = "phone_number"
    with pytest.raises(ValidationError):
        parse_outgoing(json.dumps(stored))


# -- disabled quick-reply kinds (docs/instagram.md, Changes since 2026-11-28) --------------------


@pytest.mark.parametrize("kind", ["user_phone_number", "user_email"])
def test_phone_and_email_quick_replies_are_refused_with_a_clear_error(kind):
    with pytest.raises(ValidationError, match="disabled by Meta since 2026-10-05"):
        QuickReply.model_validate({"content_type": kind, "title": "Call me", "payload": "PHONE"})


def test_a_text_quick_reply_may_name_its_content_type():
    reply = QuickReply.model_validate(
        {"content_type": "text", "title": "Track my order", "payload": "TRACK_ORDER"}
    )
    assert reply.to_wire() == {
        "content_type": "text",
        "title": "Track my order",
        "payload": "TRACK_ORDER",
    }
