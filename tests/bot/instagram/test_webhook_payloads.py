"""Webhook bodies: the signature check and how every documented event shape is understood."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.instagram.events import EventKind, MessagingItem, parse_webhook
from bot.instagram.signature import sign, signature_valid

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "instagram"
RECEIVED = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
BUSINESS = "17841400000000001"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def body_bytes(name: str) -> bytes:
    return json.dumps(fixture(name)["body"]).encode()


def parse(body: dict | list | str) -> list:
    return parse_webhook(json.dumps(body).encode(), RECEIVED)


def one(body: dict) -> object:
    events = parse(body)
    assert len(events) == 1
    return events[0]


def wrap(item: dict, *, key: str = "messaging", account: str = BUSINESS) -> dict:
    return {"object": "instagram", "entry": [{"id": account, "time": 1767261600412, key: [item]}]}


# -- the signature ------------------------------------------------------------------------------


def test_meta_signed_example_verifies_over_the_raw_bytes_only():
    example = fixture("signed_request_example")
    raw = example["raw_body"].encode()
    secret = example["app_secret"].encode()
    header = example["headers"]["X-Hub-Signature-256"]
    assert signature_valid(raw, header, [secret])
    reserialised = json.dumps(example["body"]).encode()
    assert not signature_valid(reserialised, header, [secret])


def test_any_configured_secret_may_sign():
    raw = b'{"object":"instagram","entry":[]}'
    header = sign(raw, b"instagram-app-secret")
    assert signature_valid(raw, header, [b"meta-app-secret", b"instagram-app-secret"])
    assert not signature_valid(raw, header, [b"meta-app-secret"])


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=",
        "sha256=" + "0" * 64,
        "sha1=947b8126cf8973a83943214281ad44a90e494939",  # the legacy header never picks the hash
        "md5=0123456789abcdef",
        "sha256=ünïcödé",
    ],
)
def test_missing_wrong_or_foreign_signatures_are_refused(header):
    assert not signature_valid(b"{}", header, [b"secret"])


def test_signature_hex_is_compared_case_insensitively():
    raw = b"{}"
    digest = hmac.new(b"secret", raw, hashlib.sha256).hexdigest().upper()
    assert signature_valid(raw, f"sha256={digest}", [b"secret"])


# -- every documented shape -----------------------------------------------------------------


FIXTURE_KINDS = [
    ("text_message", EventKind.MESSAGE, "7100000000000001"),
    ("quick_reply", EventKind.MESSAGE, "7100000000000001"),
    ("attachment_image", EventKind.MESSAGE, "7100000000000002"),
    ("story_reply", EventKind.MESSAGE, "7100000000000002"),
    ("story_mention", EventKind.MESSAGE, "7100000000000002"),
    ("inline_reply", EventKind.MESSAGE, "7100000000000001"),
    ("unsupported_message", EventKind.MESSAGE, "7100000000000002"),
    ("echo", EventKind.ECHO, "7100000000000001"),
    ("deleted_message", EventKind.DELETED, "7100000000000001"),
    ("postback", EventKind.POSTBACK, "7100000000000001"),
    ("read", EventKind.READ, "7100000000000001"),
    ("reaction", EventKind.REACTION, "7100000000000001"),
    ("reaction_removed", EventKind.REACTION, "7100000000000001"),
    ("igme_referral_existing_thread", EventKind.REFERRAL, "7100000000000002"),
]


@pytest.mark.parametrize(("name", "kind", "buyer"), FIXTURE_KINDS)
def test_each_documented_event_has_its_kind_and_conversation(name, kind, buyer):
    (event,) = parse_webhook(body_bytes(name), RECEIVED)
    assert event.kind is kind
    assert event.account_id == BUSINESS
    assert event.igsid == buyer
    assert event.lane_key == f"{BUSINESS}/{buyer}"
    assert not event.standby
    # The raw item is kept whole and reads back into the typed model.
    assert event.payload == fixture(name)["body"]["entry"][0]["messaging"][0]
    MessagingItem.model_validate(event.payload)


def test_message_details_are_typed():
    quick = MessagingItem.model_validate(fixture("quick_reply")["body"]["entry"][0]["messaging"][0])
    assert quick.message is not None
    assert quick.message.quick_reply is not None
    assert quick.message.quick_reply.payload == "TRACK_ORDER"
    story = MessagingItem.model_validate(fixture("story_reply")["body"]["entry"][0]["messaging"][0])
    assert story.message is not None
    assert story.message.reply_to is not None
    assert story.message.reply_to.story is not None
    assert story.message.reply_to.story.id == "18000000000000002"
    image = MessagingItem.model_validate(
        fixture("attachment_image")["body"]["entry"][0]["messaging"][0]
    )
    assert image.message is not None
    assert image.message.attachments[0].type == "image"
    assert image.message.attachments[0].payload is not None
    assert image.message.attachments[0].payload.url.startswith("https://lookaside.fbsbx.com/")


def test_event_time_is_the_events_own_timestamp_in_utc():
    (event,) = parse_webhook(body_bytes("text_message"), RECEIVED)
    assert event.occurred_at == datetime.fromtimestamp(1767261600, UTC)
    assert event.occurred_at.tzinfo is UTC


def test_a_batch_of_two_accounts_yields_every_event():
    events = parse_webhook(body_bytes("batched_two_entries_three_events"), RECEIVED)
    assert [(e.kind, e.account_id, e.igsid) for e in events] == [
        (EventKind.MESSAGE, "17841400000000001", "7100000000000001"),
        (EventKind.READ, "17841400000000001", "7100000000000002"),
        (EventKind.POSTBACK, "17841400000000002", "7100000000000003"),
    ]


def test_message_edit_with_a_numeric_or_placeholder_count():
    edit = {
        "sender": {"id": "7100000000000001"},
        "recipient": {"id": BUSINESS},
        "timestamp": 1767261700000,
        "message_edit": {"mid": "aWdfORIGINAL", "text": "Order #10235, sorry", "num_edit": 1},
    }
    event = one(wrap(edit))
    assert event.kind is EventKind.EDIT
    assert event.dedupe_key == "edit:aWdfORIGINAL:1"
    placeholder = {**edit, "message_edit": {**edit["message_edit"], "num_edit": "<NUM_EDIT>"}}
    assert one(wrap(placeholder)).dedupe_key == "edit:aWdfORIGINAL:0"
    numeric_string = {**edit, "message_edit": {**edit["message_edit"], "num_edit": "2"}}
    assert one(wrap(numeric_string)).dedupe_key == "edit:aWdfORIGINAL:2"


def test_an_edit_without_sender_belongs_to_the_accounts_lane():
    edit = {"timestamp": 1767261700000, "message_edit": {"mid": "aWdfORIGINAL", "num_edit": 1}}
    event = one(wrap(edit))
    assert event.kind is EventKind.EDIT
    assert event.igsid is None
    assert event.lane_key == f"{BUSINESS}/"


def test_standby_events_are_marked_and_deduplicated_apart():
    item = fixture("text_message")["body"]["entry"][0]["messaging"][0]
    event = one(wrap(item, key="standby"))
    assert event.standby
    assert event.kind is EventKind.MESSAGE
    assert event.igsid == "7100000000000001"
    assert event.dedupe_key.startswith("standby:message:")


@pytest.mark.parametrize("control", ["pass_thread_control", "take_thread_control"])
def test_handover_events(control):
    item = {
        "sender": {"id": "7100000000000001"},
        "recipient": {"id": BUSINESS},
        "timestamp": 1767261700000,
        control: {"previous_owner_app_id": "1", "new_owner_app_id": "1217981644879628"},
    }
    event = one(wrap(item))
    assert event.kind is EventKind.HANDOVER


def test_self_messaging_echo_is_an_echo_to_the_account_itself():
    item = {
        "sender": {"id": BUSINESS},
        "recipient": {"id": BUSINESS},
        "timestamp": 1767261700000,
        "message": {"mid": "aWdfSELF", "text": "test", "is_echo": True, "is_self": True},
    }
    event = one(wrap(item))
    assert event.kind is EventKind.ECHO
    parsed = MessagingItem.model_validate(event.payload)
    assert parsed.message is not None
    assert parsed.message.is_self


def test_the_dashboard_test_button_is_recognised_and_belongs_to_no_conversation():
    body = {
        "object": "instagram",
        "entry": [
            {
                "id": "0",
                "time": 1767261700,
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "sender": {"id": "12334"},
                            "recipient": {"id": "23245"},
                            "timestamp": "1527459824",
                            "message": {"mid": "random_mid", "text": "random_text"},
                        },
                    }
                ],
            }
        ],
    }
    event = one(body)
    assert event.kind is EventKind.TEST
    assert event.igsid is None
    assert event.occurred_at == datetime.fromtimestamp(1767261700, UTC)  # seconds, not ms


def test_comments_and_mentions_are_changes_not_messages():
    body = {
        "object": "instagram",
        "entry": [
            {
                "id": BUSINESS,
                "time": 1767261700,
                "changes": [{"field": "comments", "value": {"id": "1", "text": "nice"}}],
            }
        ],
    }
    assert one(body).kind is EventKind.CHANGE
    flat = {
        "object": "instagram",
        "entry": [{"id": BUSINESS, "time": 1, "field": "mentions", "value": {}}],
    }
    assert one(flat).kind is EventKind.CHANGE


@pytest.mark.parametrize(
    "item",
    [
        {"sender": {"id": "7100000000000001"}, "timestamp": 1767261700000, "brand_new_event": {}},
        {"sender": {"id": "7100000000000001"}, "timestamp": "not a time", "message": {"mid": "x"}},
        {"timestamp": 1767261700000, "message": {"text": "no mid"}},
        "a string where an object should be",
        42,
    ],
)
def test_unknown_shapes_inside_an_entry_are_kept_as_unknown(item):
    event = one(wrap(item))
    assert event.kind is EventKind.UNKNOWN
    assert event.igsid is None
    assert one(wrap(item)).dedupe_key == event.dedupe_key  # the same shape again is a duplicate


def test_an_entry_with_no_events_is_kept_as_unknown():
    event = one({"object": "instagram", "entry": [{"id": BUSINESS, "time": 1, "surprise": [1, 2]}]})
    assert event.kind is EventKind.UNKNOWN


# -- deduplication keys (docs/instagram.md, Dedupe keys) ---------------------------------------


def test_dedupe_keys_follow_the_reference():
    keys = {
        name: parse_webhook(body_bytes(name), RECEIVED)[0].dedupe_key
        for name in ("text_message", "echo", "deleted_message", "postback", "read", "reaction")
    }
    assert keys["text_message"].startswith("message:aWdf")
    assert keys["echo"].startswith("message:aWdf")
    assert keys["deleted_message"].startswith("deleted:aWdf")
    assert keys["postback"].startswith("postback:aWdf")
    assert keys["read"].startswith("read:7100000000000001:aWdf")
    assert keys["reaction"].startswith("reaction:7100000000000001:aWdf")


def test_a_deleted_message_does_not_collide_with_the_message_it_deletes():
    message = {
        "sender": {"id": "7"},
        "recipient": {"id": BUSINESS},
        "timestamp": 1,
        "message": {"mid": "M"},
    }
    deleted = {**message, "timestamp": 2, "message": {"mid": "M", "is_deleted": True}}
    assert one(wrap(message)).dedupe_key != one(wrap(deleted)).dedupe_key


def test_reacting_again_later_is_a_new_event_but_a_retry_is_not():
    reaction = fixture("reaction")["body"]["entry"][0]["messaging"][0]
    later = {**reaction, "timestamp": reaction["timestamp"] + 5000}
    assert one(wrap(reaction)).dedupe_key == one(wrap(dict(reaction))).dedupe_key
    assert one(wrap(reaction)).dedupe_key != one(wrap(later)).dedupe_key


def test_a_postback_without_mid_falls_back_to_sender_time_and_payload():
    item = {
        "sender": {"id": "7"},
        "recipient": {"id": BUSINESS},
        "timestamp": 5,
        "postback": {"payload": "P"},
    }
    assert one(wrap(item)).dedupe_key == "postback:7:5:P"


def test_very_long_keys_are_hashed_to_fit_the_column():
    item = {
        "sender": {"id": "7"},
        "recipient": {"id": BUSINESS},
        "timestamp": 5,
        "referral": {"ref": "r" * 2083, "source": "SHORTLINK", "type": "OPEN_THREAD"},
    }
    key = one(wrap(item)).dedupe_key
    assert key.startswith("sha256:")
    assert len(key) <= 255


def test_the_same_event_twice_in_one_body_is_kept_once():
    item = fixture("text_message")["body"]["entry"][0]["messaging"][0]
    body = {
        "object": "instagram",
        "entry": [{"id": BUSINESS, "time": 1, "messaging": [item, item]}],
    }
    assert len(parse(body)) == 1


# -- bodies that are not Instagram webhooks -------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "not valid JSON"),
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        (b"[" * 100000 + b"]" * 100000, "not valid JSON"),
        (b'[{"object": "instagram", "entry": []}]', "not a JSON object"),
        (
            b'{"object": "page", "entry": [{"id": "1", "time": 1, "messaging": []}]}',
            "not an Instagram",
        ),
        (b'{"entry": []}', "not an Instagram"),
        (b'{"object": "instagram"}', "no entry"),
        (b'{"object": "instagram", "entry": []}', "no entry"),
        (b'{"object": "instagram", "entry": "x"}', "no entry"),
        (b'{"object": "instagram", "entry": [1, 2]}', "JSON objects"),
    ],
)
def test_bodies_that_are_not_instagram_webhooks_are_one_ignored_event_with_the_reason(raw, reason):
    (event,) = parse_webhook(raw, RECEIVED)
    assert event.kind is EventKind.IGNORED
    assert reason in event.payload["reason"]
    assert (event.igsid, event.occurred_at) == (None, RECEIVED)
    # Meta's retries of the same bytes are the same event.
    assert parse_webhook(raw, RECEIVED)[0].dedupe_key == event.dedupe_key
    json.dumps(event.payload)  # storable as JSON, whatever the bytes were


def test_a_page_webhook_is_kept_whole_with_its_object():
    raw = b'{"object": "page", "entry": [{"id": "1", "time": 1, "messaging": []}]}'
    (event,) = parse_webhook(raw, RECEIVED)
    assert event.payload["object"] == "page"
    assert event.payload["body"] == json.loads(raw)


def test_an_entry_without_an_id_is_an_unknown_event_beside_the_others():
    good = {
        "id": BUSINESS,
        "time": 1,
        "messaging": [fixture("text_message")["body"]["entry"][0]["messaging"][0]],
    }
    events = parse({"object": "instagram", "entry": [{"time": 1}, good]})
    assert sorted(event.kind for event in events) == [EventKind.MESSAGE, EventKind.UNKNOWN]


def test_garbage_never_raises():
    generator = random.Random(20261128)
    seeds = [body_bytes(name) for name, _, _ in FIXTURE_KINDS]
    for _ in range(3000):
        raw = bytearray(generator.choice(seeds))
        for _ in range(generator.randint(1, 8)):
            position = generator.randrange(len(raw))
            action = generator.random()
            if action < 0.4:
                raw[position] = generator.randrange(256)
            elif action < 0.7:
                del raw[position : position + generator.randint(1, 20)]
            else:
                raw[position:position] = generator.choice(
                    [b"{", b"}", b"[", b"]", b'"', b",", b"null", b"1e999", b'"\\ud800"', b"-0"]
                )
        events = parse_webhook(bytes(raw), RECEIVED)
        for event in events:
            assert event.kind in EventKind
            assert len(event.dedupe_key) <= 255
            assert event.occurred_at.tzinfo is not None


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_non_json_numbers_make_the_body_one_ignored_event(constant):
    raw = b'{"object": "instagram", "entry": [{"id": "1", "time": ' + constant + b"}]}"
    (event,) = parse_webhook(raw, RECEIVED)
    assert (event.kind, event.payload["reason"]) == (EventKind.IGNORED, "body is not valid JSON")


def test_nul_characters_are_replaced_so_every_database_can_store_the_event():
    item = {
        "sender": {"id": "7"},
        "recipient": {"id": BUSINESS},
        "timestamp": 1,
        "message": {"mid": "M", "text": "a\u0000b"},
    }
    event = one(wrap(item))
    assert event.payload["message"]["text"] == "a\ufffdb"


# -- shared posts (docs/instagram.md, Changes since 2026-11-28) ---------------------------------


def shared_post(kind: str, payload: dict) -> dict:
    return wrap(
        {
            "sender": {"id": "7100000000000002"},
            "recipient": {"id": BUSINESS},
            "timestamp": 1767261900000,
            "message": {"mid": f"aWdf-{kind}", "attachments": [{"type": kind, "payload": payload}]},
        }
    )


def test_a_shared_post_arrives_as_ig_post_with_its_media_id():
    (event,) = parse(
        shared_post("ig_post", {"url": "https://lookaside.fbsbx.com/x", "ig_post_media_id": "18"})
    )
    item = MessagingItem.model_validate(event.payload)
    assert event.kind is EventKind.MESSAGE
    assert item.message is not None
    (attachment,) = item.message.attachments
    assert (attachment.type, attachment.payload.ig_post_media_id) == ("ig_post", "18")


def test_a_legacy_share_attachment_is_still_accepted_harmlessly():
    (event,) = parse(shared_post("share", {"url": "https://lookaside.fbsbx.com/y"}))
    item = MessagingItem.model_validate(event.payload)
    assert event.kind is EventKind.MESSAGE
    assert item.message is not None
    assert item.message.attachments[0].type == "share"
