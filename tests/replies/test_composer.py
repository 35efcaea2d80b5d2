"""What the buyer reads in every situation, in every language, within Instagram's limits."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot.instagram.messages import TextMessage
from bot.instagram.splitter import TEXT_LIMIT_BYTES
from bot.replies import (
    STOP_UPDATES_PAYLOAD,
    TALK_TO_PERSON_PAYLOAD,
    Catalogs,
    ChatReplies,
    ComposedReply,
    HandoffReason,
    OrderReplies,
    ReplyKind,
    TrackingReplies,
    UpdateReplies,
    load_catalogs,
    refreshed_numbers,
)
from bot.replies.composer import MAX_PARCEL_LINES, pack
from bot.replies.wording import REASON_HEADLINES, STATUS_HEADLINES
from bot.understanding.language import LANGUAGES
from carriers.lookup import LookupResult
from carriers.models import DeliveryWindow, ExceptionReason, Status
from carriers.numbers.detector import LikelyTypo
from tests.replies.shipments import (
    NOW,
    NUMBER,
    WINDOW,
    clock,
    found,
    journey,
    not_found,
    scan,
    shipment,
    unreachable,
)

STORE = "Lumen Store"
NNBSP = "\u202f"  # CLDR puts a narrow no-break space before AM/PM
THIN = "\u2009"  # and thin spaces around the dash of a date range


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return load_catalogs()


@pytest.fixture(scope="module")
def tracking(catalogs: Catalogs) -> TrackingReplies:
    return TrackingReplies(catalogs, clock)


@pytest.fixture(scope="module")
def orders(catalogs: Catalogs) -> OrderReplies:
    return OrderReplies(catalogs, clock, order_example="#1042")


@pytest.fixture(scope="module")
def chat(catalogs: Catalogs) -> ChatReplies:
    return ChatReplies(catalogs, clock, STORE, order_example="#1042")


@pytest.fixture(scope="module")
def updates(catalogs: Catalogs) -> UpdateReplies:
    return UpdateReplies(catalogs, clock)


def assert_sendable(reply: ComposedReply) -> None:
    """Every part fits Instagram's 1000 bytes, quick replies fit 20 characters and go last."""
    assert reply.parts
    assert all(part.strip() for part in reply.parts)
    assert all(len(part.encode("utf-8")) <= TEXT_LIMIT_BYTES for part in reply.parts)
    assert all(len(reply.title) <= 20 for reply in reply.quick_replies)
    messages = reply.messages()
    assert all(isinstance(message, TextMessage) for message in messages)
    assert messages[-1].quick_replies == reply.quick_replies
    assert all(not message.quick_replies for message in messages[:-1])


def payloads(reply: ComposedReply) -> list[str]:
    return [quick.payload for quick in reply.quick_replies]


# Every status and every reason, in every language --------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("status", list(Status))
def test_every_status_has_its_headline_in_every_language_within_the_limits(
    tracking: TrackingReplies, catalogs: Catalogs, language: str, status: Status
) -> None:
    reply = tracking.shipment(language, shipment(status, estimate=WINDOW))
    assert_sendable(reply)
    assert reply.language == language
    assert catalogs.translation(language).gettext(STATUS_HEADLINES[status]) in reply.text
    assert payloads(reply) == [f"REFRESH:{NUMBER}", TALK_TO_PERSON_PAYLOAD]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("reason", list(ExceptionReason))
@pytest.mark.parametrize("status", [Status.EXCEPTION, Status.FAILED_ATTEMPT, Status.RETURNING])
def test_every_reason_is_explained_in_every_language_within_the_limits(
    tracking: TrackingReplies,
    catalogs: Catalogs,
    language: str,
    reason: ExceptionReason,
    status: Status,
) -> None:
    reply = tracking.shipment(language, shipment(status, reason=reason, estimate=WINDOW))
    assert_sendable(reply)
    said = catalogs.translation(language).gettext(REASON_HEADLINES[reason])
    if status is Status.RETURNING and reason is ExceptionReason.RETURNED_TO_SENDER:
        # "on its way back to the shop" says it already: the reason would only repeat it.
        assert said not in reply.text
    else:
        assert said in reply.text


def test_an_exception_says_what_happened_what_next_how_long_and_that_nothing_is_needed(
    tracking: TrackingReplies,
) -> None:
    text = tracking.shipment(
        "en", shipment(Status.EXCEPTION, reason=ExceptionReason.CUSTOMS_HOLD)
    ).text
    assert "Your parcel is being checked by customs." in text
    assert "usually take 1–5 business days" in text
    assert "There's nothing you need to do yet" in text


@pytest.mark.parametrize(
    ("reason", "action"),
    [
        (
            ExceptionReason.CUSTOMS_DOCUMENTS,
            "What to do: look for an SMS or email from the carrier",
        ),
        (ExceptionReason.PAYMENT_REQUIRED, "pay it on the carrier's official website or app"),
        (ExceptionReason.ADDRESS_ISSUE, "give the shop your full, correct address"),
        (ExceptionReason.HELD_BY_CARRIER, "What to do: collect it"),
    ],
)
def test_a_reason_that_needs_the_buyer_says_what_to_do_and_where(
    tracking: TrackingReplies, reason: ExceptionReason, action: str
) -> None:
    assert action in tracking.shipment("en", shipment(Status.EXCEPTION, reason=reason)).text


def test_needs_action_without_a_reason_that_says_so_gets_the_generic_instruction(
    tracking: TrackingReplies,
) -> None:
    parcel = shipment(Status.EXCEPTION, reason=ExceptionReason.OTHER, needs_action=True)
    assert "The carrier says you need to do something" in tracking.shipment("en", parcel).text


# The shipment answer -----------------------------------------------------------------------


def test_a_shipment_answer_reads_headline_estimate_timeline_explanation_then_link(
    tracking: TrackingReplies,
) -> None:
    reply = tracking.shipment("en", shipment(estimate=WINDOW))
    assert reply.kind is ReplyKind.SHIPMENT
    assert reply.text == (
        "Parcel YT2229521272164446 (YunExpress)\n"
        "Your parcel is on its way.\n\n"
        f"Estimated delivery: Sat, Jun 14{THIN}–{THIN}Wed, Jun 18\n\n"
        "Latest updates:\n"
        f"• Jun 11, 9:10{NNBSP}AM · LOS ANGELES, CA · On its way\n"
        f"• Jun 10, 10:10{NNBSP}PM · LOS ANGELES INTERNATIONAL AIRPORT · Arrived in the destination country\n"
        f"• Jun 8, 3:10{NNBSP}AM · China · On its way\n"
        f"• Jun 6, 10:10{NNBSP}AM · Shenzhen · Picked up by the carrier\n"
        f"• Jun 5, 12:10{NNBSP}PM · China · Label created, not scanned yet\n\n"
        "Tracking updates each time the parcel is scanned along the way. There's nothing you "
        "need to do.\n\n"
        "The carrier's own tracking page: https://www.yuntrack.com/parcelTracking?id=YT2229521272164446"
    )


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("en", f"• Jun 11, 9:10{NNBSP}AM · LOS ANGELES, CA · On its way"),
        ("zh-Hans", "• 6月8日 03:10 · 深圳市 · 运输中"),
        ("zh-Hant", f"• 6月8日{THIN}凌晨3:10 · 深圳市 · 運送中"),
        ("de", "• 11. Juni, 09:10 · LOS ANGELES, CA · Unterwegs"),
        ("fr", "• 8 juin 03:10 · Chine · En route"),
        ("es", "• 8 jun, 3:10 · China · En camino"),
        ("pt", "• 8 de jun. 03:10 · China · A caminho"),
        ("ar", "• 8 يونيو، 3:10 ص · الصين · في الطريق"),
    ],
)
def test_scan_times_are_local_to_the_scan_and_written_the_languages_way(
    tracking: TrackingReplies, language: str, line: str
) -> None:
    """Babel (CLDR) decides the format; the expected lines are its verified output."""
    assert line in tracking.shipment(language, shipment()).text.splitlines()


def test_a_scan_with_an_unknown_offset_is_shown_as_its_local_time_without_conversion(
    tracking: TrackingReplies,
) -> None:
    events = (scan(datetime(2025, 6, 11, 23, 45), offset_hours=None, location="Memphis, TN"),)
    text = tracking.shipment("en", shipment(events=events)).text
    assert f"• Jun 11, 11:45{NNBSP}PM · Memphis, TN · " in text


def test_a_scan_from_another_year_shows_its_year(tracking: TrackingReplies) -> None:
    events = (scan(datetime(2024, 12, 30, 8, 0)),)
    assert (
        f"• Dec 30, 2024, 8:00{NNBSP}AM · LOS ANGELES, CA"
        in tracking.shipment("en", shipment(events=events)).text
    )


def test_a_long_history_shows_at_most_six_key_scans_newest_first(
    tracking: TrackingReplies,
) -> None:
    events = tuple(
        scan(
            datetime(2025, 6, 11, 23, 0) - timedelta(hours=3 * index),
            Status.EXCEPTION if index % 2 else Status.IN_TRANSIT,
            location=f"Hub {index}",
            reason=ExceptionReason.CARRIER_DELAY if index % 2 else None,
        )
        for index in range(60)
    )
    for language in LANGUAGES:
        reply = tracking.shipment(language, shipment(events=events, estimate=WINDOW))
        assert_sendable(reply)
        lines = [line for line in reply.text.splitlines() if line.startswith("• ")]
        assert len(lines) == 6
        assert "Hub 0 " in lines[0]
        assert "Hub 59 " in lines[-1]  # the first scan: when the carrier took it


def test_consecutive_scans_that_say_the_same_are_one_line_with_their_span(
    tracking: TrackingReplies,
) -> None:
    events = tuple(
        scan(datetime(2025, 6, 11, 23, 0) - timedelta(hours=3 * index), location=f"Hub {index}")
        for index in range(60)
    )
    for language in LANGUAGES:
        reply = tracking.shipment(language, shipment(events=events, estimate=WINDOW))
        lines = [line for line in reply.text.splitlines() if line.startswith("• ")]
        assert len(lines) == 2  # the hubs, as one line; the first scan, when the carrier took it
        assert "Hub 0 " in lines[0]
        assert " – " in lines[0]
        assert "Hub 59 " in lines[1]


def test_the_timeline_never_shows_the_carriers_own_wording(
    tracking: TrackingReplies, chat: ChatReplies, updates: UpdateReplies
) -> None:
    """Carriers put signers' names and couriers' phone numbers in their descriptions."""
    events = (
        scan(
            datetime(2025, 6, 11, 9, 10), Status.DELIVERED, description="Signed for by JOHN SMITH"
        ),
        scan(
            datetime(2025, 6, 10, 9, 10),
            Status.OUT_FOR_DELIVERY,
            offset_hours=8,
            location="深圳市",
            country="CN",
            description="【深圳市】快件已由派件员张三（13800138000）派件",
        ),
    )
    parcel = shipment(Status.DELIVERED, events=events)
    replies = [tracking.shipment(lang, parcel) for lang in LANGUAGES]
    replies += [updates.update(lang, parcel) for lang in LANGUAGES]
    replies += [chat.delivered_not_received(lang, parcel) for lang in LANGUAGES]
    for reply in replies:
        assert "JOHN SMITH" not in reply.text
        assert "13800138000" not in reply.text
        assert "张三" not in reply.text


def test_a_place_in_a_script_the_reader_cannot_read_is_named_by_its_country(
    tracking: TrackingReplies,
) -> None:
    assert (
        f"• Jun 8, 3:10{NNBSP}AM · China · On its way" in tracking.shipment("en", shipment()).text
    )
    assert "• 6月8日 03:10 · 深圳市 · 运输中" in tracking.shipment("zh-Hans", shipment()).text


@pytest.mark.parametrize(
    ("estimate", "expected"),
    [
        (WINDOW, f"Estimated delivery: Sat, Jun 14{THIN}–{THIN}Wed, Jun 18"),
        (DeliveryWindow(latest=date(2025, 6, 16)), "Estimated delivery: by Mon, Jun 16"),
        (DeliveryWindow(earliest=date(2025, 6, 16)), "Estimated delivery: from Mon, Jun 16"),
        (
            DeliveryWindow(earliest=date(2025, 6, 16), latest=date(2025, 6, 16)),
            "Estimated delivery: Mon, Jun 16",
        ),
        (
            DeliveryWindow(latest=date(2025, 6, 9)),
            "The estimated delivery date (Mon, Jun 9) has passed. Parcels are often a few days late",
        ),
        (
            DeliveryWindow(latest=date(2025, 6, 2)),
            "The estimated delivery date (Mon, Jun 2) was more than a week ago.",
        ),
        (DeliveryWindow(latest=date(2026, 1, 5)), "Estimated delivery: by Mon, Jan 5, 2026"),
    ],
)
def test_the_estimate_is_said_as_a_window_a_limit_or_honestly_as_passed(
    tracking: TrackingReplies, estimate: DeliveryWindow, expected: str
) -> None:
    assert expected in tracking.shipment("en", shipment(estimate=estimate)).text


def test_no_estimate_is_given_for_a_delivered_or_lost_parcel(tracking: TrackingReplies) -> None:
    delivered = shipment(Status.DELIVERED, estimate=WINDOW)
    lost = shipment(Status.EXCEPTION, reason=ExceptionReason.LOST, estimate=WINDOW)
    assert "Estimated delivery" not in tracking.shipment("en", delivered).text
    assert "Estimated delivery" not in tracking.shipment("en", lost).text


def test_a_quiet_border_leg_is_called_normal_with_how_long_it_usually_lasts(
    tracking: TrackingReplies,
) -> None:
    exported = shipment(events=journey()[2:])  # last scan in China, 4 days ago
    text = tracking.shipment("en", exported).text
    assert (
        "Your parcel was last scanned 4 days ago, before it left the country it was sent from."
        in text
    )
    assert (
        "parcels usually show no new scans for 5–15 days while they travel between countries"
        in text
    )
    assert "If there's still no new scan by Sun, Jun 29, ask for a person here" in text
    assert "hasn't scanned your parcel for" not in text


def test_an_express_border_leg_is_expected_to_be_short(tracking: TrackingReplies) -> None:
    recent = shipment(events=journey()[2:], carrier="dhl", last_scan_at=NOW - timedelta(days=2))
    assert "no new scans for 1–4 days while they travel" in tracking.shipment("en", recent).text
    longer = shipment(events=journey()[2:], carrier="dhl", last_scan_at=NOW - timedelta(days=6))
    text = tracking.shipment("en", longer).text
    assert "no new scans for" not in text
    assert "That's a little longer than usual, but not yet a reason to worry." in text
    assert "If there's still no new scan by Tue, Jun 17" in text


def test_a_long_quiet_border_leg_says_to_ask_for_an_inquiry(tracking: TrackingReplies) -> None:
    old = tuple(event.model_copy(update={"occurred_at_utc": None}) for event in journey()[2:])
    exported = shipment(events=old, last_scan_at=NOW - timedelta(days=25))
    text = tracking.shipment("en", exported).text
    assert "Your parcel was last scanned 25 days ago" in text
    assert "That's longer than usual, so it's worth checking" in text


def test_stale_carrier_data_says_for_how_many_days_what_it_means_and_when_to_worry(
    tracking: TrackingReplies,
) -> None:
    quiet = shipment(last_scan_at=NOW - timedelta(days=6))
    text = tracking.shipment("en", quiet).text
    assert "The carrier hasn't scanned your parcel for 6 days." in text
    assert "Parcels sometimes wait at a depot" in text
    assert "If there's still no new scan by Mon, Jun 16" in text
    assert "couldn't reach the carrier" not in text


def test_an_unreachable_carrier_is_told_apart_from_a_quiet_one(tracking: TrackingReplies) -> None:
    cached = shipment(checked_at=NOW - timedelta(hours=5))
    reply = tracking.lookup("en", unreachable(NUMBER, cached))
    assert reply.parts[0].startswith(
        "I couldn't reach the carrier for the last 5 hours, so this is what its tracking showed then."
    )
    assert "Your parcel is on its way." in reply.text
    assert "hasn't scanned your parcel" not in reply.text


def test_a_carrier_unreachable_for_days_is_said_in_days(tracking: TrackingReplies) -> None:
    cached = shipment(checked_at=NOW - timedelta(days=3, hours=2))
    text = tracking.shipment("en", cached, unreachable_since=cached.checked_at).text
    assert "I haven't been able to reach the carrier for 3 days" in text


def test_a_recent_answer_is_not_called_unreachable(tracking: TrackingReplies) -> None:
    cached = shipment(checked_at=NOW - timedelta(minutes=20))
    assert "reach the carrier" not in tracking.lookup("en", unreachable(NUMBER, cached)).text


def test_nothing_cached_and_no_carrier_reachable_asks_to_try_again(
    tracking: TrackingReplies,
) -> None:
    reply = tracking.lookup("en", unreachable(NUMBER, None))
    assert reply.kind is ReplyKind.TRACKING_UNAVAILABLE
    assert "please try again in a few minutes" in reply.text
    assert refreshed_numbers(reply.quick_replies[0].payload) == (NUMBER,)


def test_a_label_unscanned_for_days_is_called_longer_than_usual(tracking: TrackingReplies) -> None:
    label = scan(datetime(2025, 6, 6, 9, 10), Status.INFO_RECEIVED)
    text = tracking.shipment(
        "en", shipment(Status.INFO_RECEIVED, events=(label,), carrier="usps")
    ).text
    assert (
        "The label was created 5 days ago and the carrier still hasn't scanned the parcel." in text
    )
    assert "https://tools.usps.com/go/TrackConfirmAction?tLabels=YT2229521272164446" in text


def test_a_fresh_label_is_called_normal(tracking: TrackingReplies) -> None:
    label = scan(datetime(2025, 6, 12, 1, 10), Status.INFO_RECEIVED)
    text = tracking.shipment("en", shipment(Status.INFO_RECEIVED, events=(label,))).text
    assert "usually within 1–3 days. There's nothing you need to do." in text


def test_an_unknown_carrier_gets_no_link_and_no_name(tracking: TrackingReplies) -> None:
    text = tracking.shipment("en", shipment(carrier=None)).text
    assert text.startswith("Parcel YT2229521272164446\n")
    assert "tracking page" not in text


def test_a_delayed_flag_is_mentioned(tracking: TrackingReplies) -> None:
    assert "flagged it as running late" in tracking.shipment("en", shipment(is_delayed=True)).text


# Not found, not shipped, typos, numbers --------------------------------------------------


def test_not_found_yet_is_honest_about_what_is_normal(tracking: TrackingReplies) -> None:
    reply = tracking.lookup("en", not_found("LP00123456789012"))
    assert reply.kind is ReplyKind.NOT_FOUND_YET
    assert reply.text.startswith("I can't find any tracking for LP00123456789012 yet.")
    assert "the carrier's first scan often takes 1–3 days" in reply.text


def test_not_found_for_days_suggests_a_typo_or_a_parcel_not_handed_over(
    tracking: TrackingReplies,
) -> None:
    reply = tracking.lookup("en", not_found("LP00123456789012", since=NOW - timedelta(days=6)))
    assert "The carrier has shown nothing for 6 days now" in reply.text
    assert "may have a typo" in reply.text
    assert TALK_TO_PERSON_PAYLOAD in payloads(reply)


def test_not_shipped_says_so_and_worries_only_after_days(orders: OrderReplies) -> None:
    fresh = orders.not_shipped("en", order_number="#1042", ordered_at=NOW - timedelta(days=1))
    late = orders.not_shipped("en", order_number="#1042", ordered_at=NOW - timedelta(days=8))
    assert fresh.text.startswith("Your order #1042 hasn't shipped yet")
    assert "Orders usually ship within a few business days." in fresh.text
    assert "It's been 8 days since you ordered, which is longer than usual" in late.text


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        ("check digit", "one character seems to be mistyped"),
        ("length", "a character too many or too few"),
        ("S10 country code unknown", "doesn't match the usual format"),
    ],
)
def test_a_likely_typo_quotes_the_number_and_says_what_looks_wrong(
    orders: OrderReplies, reason: str, said: str
) -> None:
    typo = LikelyTypo("1Z999AA10123456785", "ups", (), reason, 0, 18)
    reply = orders.likely_typo("en", [typo])
    assert reply.text.startswith("“1Z999AA10123456785” doesn't look quite right: ")
    assert said in reply.text
    assert "(for example #1042)" in reply.text


def test_asking_for_a_number_gives_an_example_and_where_to_find_it(orders: OrderReplies) -> None:
    text = orders.ask_for_number("en").text
    assert "(for example #1042)" in text
    assert "confirmation email" in text


# Several parcels -----------------------------------------------------------------------------


def test_an_order_in_parcels_lists_each_then_details_the_one_that_needs_attention(
    tracking: TrackingReplies,
) -> None:
    moving = found(shipment(number="YT1000000000000001", estimate=WINDOW))
    held = found(
        shipment(
            Status.EXCEPTION, reason=ExceptionReason.CUSTOMS_DOCUMENTS, number="YT1000000000000002"
        )
    )
    delivered_events = (scan(datetime(2025, 6, 9, 14, 0), Status.DELIVERED), *journey())
    done = found(
        shipment(
            Status.DELIVERED,
            number="9400100000000000000003",
            carrier="usps",
            events=delivered_events,
        )
    )
    missing = not_found("LP00000000000004")
    reply = tracking.parcels("en", [moving, held, done, missing], order_number="#1042")
    assert_sendable(reply)
    lines = reply.text.splitlines()
    assert lines[:5] == [
        "Order #1042 was sent in 4 parcels:",
        f"1. YT1000000000000001 (YunExpress): On its way · expected Sat, Jun 14{THIN}–{THIN}Wed, Jun 18",
        "2. YT1000000000000002 (YunExpress): Customs needs information",
        "3. 9400100000000000000003 (USPS): Delivered · Mon, Jun 9",
        "4. LP00000000000004: Not found yet",
    ]
    assert "Parcel YT1000000000000002 (YunExpress)" in reply.text
    assert "Parcel YT1000000000000001 (YunExpress)" not in reply.text
    assert refreshed_numbers(reply.quick_replies[0].payload) == (
        "YT1000000000000001",
        "YT1000000000000002",
        "9400100000000000000003",
        "LP00000000000004",
    )


def test_parcels_that_are_all_fine_get_no_details(tracking: TrackingReplies) -> None:
    results: list[LookupResult] = [
        found(shipment(number=f"YT10000000000000{i:02d}", estimate=WINDOW)) for i in range(3)
    ]
    text = tracking.parcels("en", results).text
    assert text.startswith("Here's where your 3 parcels are:")
    assert "Nothing needs your attention right now." in text


def test_a_large_order_lists_ten_parcels_and_counts_the_rest_within_the_limits(
    tracking: TrackingReplies,
) -> None:
    results: list[LookupResult] = [
        found(shipment(number=f"YT1000000000{i:06d}", estimate=WINDOW)) for i in range(29)
    ]
    results.append(
        found(shipment(Status.EXCEPTION, reason=ExceptionReason.LOST, number="YT1000000000999999"))
    )
    for language in LANGUAGES:
        reply = tracking.parcels(language, results, order_number="#1042", unshipped_items=True)
        assert_sendable(reply)
        assert len(reply.parts) <= 3
    english = tracking.parcels("en", results, order_number="#1042")
    assert f"{MAX_PARCEL_LINES}. YT1000000000000009" in english.text
    assert "…and 20 more parcels." in english.text
    assert "The carrier can't locate your parcel." in english.text  # the 30th, not listed


def test_one_parcel_without_an_order_is_answered_as_that_parcel(tracking: TrackingReplies) -> None:
    assert tracking.parcels("en", [found(shipment())]).kind is ReplyKind.SHIPMENT


# Verification -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_verification_asks_for_any_of_three_details_without_revealing_which_exist(
    orders: OrderReplies, language: str
) -> None:
    reply = orders.verification_prompt(language, "#1042")
    assert_sendable(reply)
    assert "#1042" in reply.text
    assert len([line for line in reply.text.splitlines() if line.startswith("• ")]) == 3


def test_a_failed_verification_never_says_which_detail_was_wrong(orders: OrderReplies) -> None:
    text = orders.verification_failed("en", 2).text
    assert text == (
        "Sorry, that doesn't match the details on this order, so I can't show it. Please check "
        "and try again. You have 2 more tries."
    )
    for word in ("email", "phone", "postcode", "ZIP", "digits"):
        assert word not in text


def test_a_locked_out_buyer_is_told_when_to_retry_and_offered_a_person(
    orders: OrderReplies,
) -> None:
    reply = orders.locked_out("en", retry_after=timedelta(hours=23, minutes=5))
    assert "You can try again in 24 hours." in reply.text
    assert payloads(reply) == [TALK_TO_PERSON_PAYLOAD]
    assert "in 3 days" in orders.locked_out("en", retry_after=timedelta(days=2, hours=1)).text


# Problems, people, small talk ----------------------------------------------------------------


def test_delivered_but_not_received_gives_concrete_steps_then_a_person(
    chat: ChatReplies,
) -> None:
    events = (
        scan(datetime(2025, 6, 12, 14, 10), Status.DELIVERED, location="PASADENA, CA"),
        *journey(),
    )
    reply = chat.delivered_not_received("en", shipment(Status.DELIVERED, events=events))
    assert (
        f"The carrier marked it as delivered: Jun 12, 2:10{NNBSP}PM · PASADENA, CA." in reply.text
    )
    for step in ("door", "mailbox", "neighbors", "delivery photo", "24 hours"):
        assert step in reply.text
    assert payloads(reply) == [TALK_TO_PERSON_PAYLOAD]


@pytest.mark.parametrize("reason", list(HandoffReason))
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_hand_off_names_the_store_and_says_the_team_replies_here(
    chat: ChatReplies, reason: HandoffReason, language: str
) -> None:
    reply = chat.handoff(language, reason)
    assert_sendable(reply)
    assert STORE in reply.text
    assert reply.quick_replies == ()


def test_the_greeting_says_the_assistant_is_automated(chat: ChatReplies) -> None:
    assert chat.greeting("en").text.startswith("Hi! I'm Lumen Store's automated assistant.")
    assert chat.greeting("en", first_time=False).text.startswith("Hi again!")


@pytest.mark.parametrize("language", LANGUAGES)
def test_small_talk_is_short_and_on_topic(
    orders: OrderReplies, chat: ChatReplies, language: str
) -> None:
    for reply in (
        chat.greeting(language),
        chat.thanks(language),
        chat.other(language),
        chat.temporary_problem(language),
        orders.verification_passed(language),
    ):
        assert_sendable(reply)
        assert len(reply.parts) == 1
        assert len(reply.text.encode("utf-8")) < 400


# Proactive updates ------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("status", list(Status))
def test_every_milestone_update_offers_to_stop_updates(
    updates: UpdateReplies, language: str, status: Status
) -> None:
    reply = updates.update(language, shipment(status, estimate=WINDOW))
    assert_sendable(reply)
    assert NUMBER in reply.text
    assert payloads(reply) == [TALK_TO_PERSON_PAYLOAD, STOP_UPDATES_PAYLOAD]


def test_a_delivered_update_shows_the_delivery_scan(updates: UpdateReplies) -> None:
    events = (
        scan(datetime(2025, 6, 12, 14, 10), Status.DELIVERED, location="PASADENA, CA"),
        *journey(),
    )
    text = updates.update("en", shipment(Status.DELIVERED, events=events)).text
    assert text.startswith("Your parcel YT2229521272164446 has been delivered.\n\n")
    assert f"• Jun 12, 2:10{NNBSP}PM · PASADENA, CA · Delivered" in text
    assert "To stop these updates, reply “stop” or tap Stop updates." in text


def test_an_exception_update_names_the_reason(updates: UpdateReplies) -> None:
    parcel = shipment(Status.EXCEPTION, reason=ExceptionReason.PAYMENT_REQUIRED)
    text = updates.update("en", parcel).text
    assert text.startswith(
        "Update on your parcel YT2229521272164446: Import duties, taxes or a cash-on-delivery"
    )
    assert "What to do:" in text


def test_held_updates_are_told_first_then_the_answer(
    tracking: TrackingReplies, updates: UpdateReplies
) -> None:
    delivered = shipment(Status.DELIVERED, number="YT1000000000000001")
    held = shipment(
        Status.FAILED_ATTEMPT,
        reason=ExceptionReason.RECIPIENT_UNAVAILABLE,
        number="YT1000000000000002",
    )
    since = updates.since_we_last_spoke("en", [delivered, held])
    answer = tracking.shipment("en", held)
    combined = since.followed_by(answer)
    assert combined.text.startswith(
        "Since we last spoke, there's news about your parcels:\n"
        "• Your parcel YT1000000000000001 has been delivered.\n"
        "• The courier tried to deliver your parcel YT1000000000000002 but couldn't. Nobody was "
        "available to receive the parcel.\n\n"
        "Parcel YT1000000000000002 (YunExpress)"
    )
    assert combined.kind is ReplyKind.SHIPMENT
    assert combined.quick_replies == answer.quick_replies
    assert_sendable(combined)


def test_updates_stopped_is_confirmed_in_every_language(updates: UpdateReplies) -> None:
    for language in LANGUAGES:
        assert_sendable(updates.updates_stopped(language))


# Languages and packing ----------------------------------------------------------------------------


def test_an_unknown_language_is_answered_in_the_store_default(catalogs: Catalogs) -> None:
    german_store = ChatReplies(load_catalogs(default_language="de"), clock, STORE)
    assert german_store.thanks("ja").language == "de"
    assert german_store.thanks(None).text.startswith("Gern geschehen!")
    assert ChatReplies(catalogs, clock, STORE).thanks("ja").language == "en"


def test_chinese_sentences_run_together_without_spaces(orders: OrderReplies) -> None:
    text = orders.verification_failed("zh-Hans", 1).text
    assert (
        text
        == "抱歉，您提供的信息与该订单不符，暂时无法显示。请核对后再试一次。您还可以再试 1 次。"
    )


def test_parts_break_between_paragraphs_not_inside_them() -> None:
    paragraphs = ["a" * 600, "b" * 300, "c" * 500, "d" * 2500]
    parts = pack(paragraphs)
    assert parts[0] == "a" * 600 + "\n\n" + "b" * 300
    assert parts[1] == "c" * 500
    assert all(len(part.encode()) <= TEXT_LIMIT_BYTES for part in parts)
    assert "".join(parts[2:]) == "d" * 2500


def every_reply(
    tracking: TrackingReplies,
    orders: OrderReplies,
    chat: ChatReplies,
    updates: UpdateReplies,
    language: str,
) -> list[ComposedReply]:
    """One of each kind of reply, with the parcels that exercise most of the wording."""
    delivered_events = (scan(datetime(2025, 6, 12, 14, 10), Status.DELIVERED), *journey())
    parcels = [
        shipment(status, estimate=window, reason=reason)
        for status in Status
        for reason in (None, ExceptionReason.CUSTOMS_DOCUMENTS)
        for window in (WINDOW, DeliveryWindow(latest=date(2025, 6, 9)))
    ]
    typo = LikelyTypo("1Z999AA10123456785", "ups", (), "length", 0, 18)
    replies = [tracking.shipment(language, parcel) for parcel in parcels]
    replies += [updates.update(language, parcel) for parcel in parcels]
    return [
        *replies,
        tracking.shipment(language, shipment(events=journey()[2:])),
        tracking.shipment(language, shipment(last_scan_at=NOW - timedelta(days=12))),
        tracking.lookup(
            language, unreachable(NUMBER, shipment(checked_at=NOW - timedelta(hours=3)))
        ),
        tracking.lookup(language, unreachable(NUMBER, None)),
        tracking.lookup(language, not_found("LP00123456789012", since=NOW - timedelta(days=9))),
        tracking.parcels(language, [found(p) for p in parcels[:12]], order_number="#1042"),
        orders.not_shipped(language, ordered_at=NOW - timedelta(days=7)),
        orders.likely_typo(language, [typo]),
        orders.ask_for_number(language),
        orders.verification_prompt(language, "#1042"),
        orders.verification_failed(language, 0),
        orders.locked_out(language, retry_after=timedelta(hours=1)),
        chat.delivered_not_received(language, shipment(Status.DELIVERED, events=delivered_events)),
        chat.delivered_not_received(language),
        *(chat.handoff(language, reason) for reason in HandoffReason),
        chat.greeting(language),
        chat.greeting(language, first_time=False),
        updates.since_we_last_spoke(language, parcels[:3]),
        updates.updates_stopped(language),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_reply_has_a_leftover_placeholder_or_doubled_punctuation(
    tracking: TrackingReplies,
    orders: OrderReplies,
    chat: ChatReplies,
    updates: UpdateReplies,
    language: str,
) -> None:
    for reply in every_reply(tracking, orders, chat, updates, language):
        assert_sendable(reply)
        for line in reply.text.splitlines():
            assert not any(mark in line for mark in ("{", "}", "..", "。。", "：。")), line
            assert line == line.strip(), line
