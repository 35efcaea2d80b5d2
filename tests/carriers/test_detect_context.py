"""Context decides what a number is: check digits and distinctive prefixes, cue words in every
language, look-alikes that are never tracking numbers, ranked carriers, near misses, bad input."""

from __future__ import annotations

import random

import pytest

from carriers.numbers import Detection, FoundNumber, load_detector
from carriers.numbers.detector import CACHED_CANDIDATES

DETECTOR = load_detector()
DHL_10 = "3318810025"  # passes DHL Express mod 7, and is shaped like a US phone number
DHL_11 = "73891051146"


def numbers(text: str, **options: object) -> list[str]:
    detection = DETECTOR.detect(text, **options)  # type: ignore[arg-type]
    return [found.number for found in detection.tracking_numbers]


def only(text: str, **options: object) -> FoundNumber:
    [found] = DETECTOR.detect(text, **options).tracking_numbers  # type: ignore[arg-type]
    return found


def carriers(found: FoundNumber) -> list[str]:
    return [candidate.carrier for candidate in found.carriers]


# --- what a number needs to be accepted ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "LP00614958812345",
        "YT2229521272164446",
        "SF1458763092417",
        "JT5107289134658",
        "4PX300184920194",
        "TBA010000000000",
        "RB123456785GB",
        "9400111206206406260787",
    ],
)
def test_distinctive_formats_need_no_context(text: str) -> None:
    assert numbers(f"hi, it's {text}, thx") == [text]


def test_a_bare_check_digit_number_in_a_sentence_needs_a_cue() -> None:
    assert numbers(f"I got {DHL_10} yesterday") == []
    assert numbers(f"I got tracking {DHL_10} yesterday") == [DHL_10]


@pytest.mark.parametrize(
    "text",
    [
        f"my tracking number is {DHL_10}",
        f"DHL {DHL_10}",
        f"运单号：{DHL_10}",
        f"快遞單號 {DHL_10}",
        f"número de seguimiento {DHL_10}",
        f"numero de rastreo: {DHL_10}",
        f"código de rastreamento {DHL_10}",
        f"numéro de suivi {DHL_10}",
        f"Sendungsnummer {DHL_10}",
        f"رقم التتبع {DHL_10}",
        f"{DHL_10} is the tracking",
    ],
)
def test_tracking_words_in_every_language_support_a_check_digit_number(text: str) -> None:
    assert numbers(text) == [DHL_10]


@pytest.mark.parametrize(
    "text",
    [
        f"my order number is {DHL_10}",
        f"订单号 {DHL_10}",
        f"訂單編號 {DHL_10}",
        f"número de pedido {DHL_10}",
        f"número do pedido {DHL_10}",
        f"numéro de commande {DHL_10}",
        f"Bestellnummer {DHL_10}",
        f"رقم الطلب {DHL_10}",
        f"phone {DHL_10}",
        f"手机 {DHL_10}",
        f"invoice {DHL_10}",
        f"tracking? no, that was the order: {DHL_10}",
    ],
)
def test_words_for_other_numbers_in_every_language_keep_a_check_digit_number_out(text: str) -> None:
    assert numbers(text) == []


def test_the_nearest_cue_decides_between_an_order_and_a_tracking_number() -> None:
    text = "order number 201298452277, tracking 3318810025"
    assert numbers(text) == [DHL_10]


def test_an_order_word_does_not_hide_a_distinctive_number() -> None:
    # Buyers call everything an order; an LP number is a parcel whatever they call it.
    assert numbers("my order LP00614958812345") == ["LP00614958812345"]


def test_a_bare_number_that_is_the_whole_message_is_taken_unless_it_looks_like_a_phone() -> None:
    assert numbers(DHL_11) == [DHL_11]
    assert numbers(f"  {DHL_11} 🙏 ") == [DHL_11]
    assert numbers(DHL_10) == []  # 331-881-0025 is a valid North American phone number
    assert numbers("13812345676") == []  # a Chinese mobile that passes mod 7


def test_a_conversation_about_tracking_lets_any_check_digit_number_through() -> None:
    assert numbers(DHL_10, tracking_context=True) == [DHL_10]
    assert numbers(f"here it is {DHL_10}", tracking_context=True) == [DHL_10]


def test_shapes_without_a_check_digit_need_a_cue_even_as_the_whole_message() -> None:
    assert numbers("60120172242323") == []
    assert numbers("tracking 60120172242323") == ["60120172242323"]
    assert numbers("60120172242323", tracking_context=True) == ["60120172242323"]


def test_numbers_shaped_like_any_other_need_their_carriers_name() -> None:
    assert numbers("tracking 73518294736052") == ["73518294736052"]
    assert carriers(only("tracking 73518294736052"))[0] != "zto"
    assert carriers(only("中通快递 73518294736052"))[0] == "zto"
    assert numbers("tracking XHAX4HDA") == []
    assert carriers(only("GLS XHAX4HDA")) == ["gls"]


# --- look-alikes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "tracking? call me +86 138 1234 5676",
        "tracking? my phone +1 (415) 555-0103",
        "tracking? whatsapp +8613812345676",
        "tracking? 415-555-0103",
        "tracking? (415) 555-0103",
        "tracking? 138-1234-5676",
        "我的手机13812345676，单号还没更新",
        "手機號碼 0912345678，快遞到了打給我",
        "tracking? mi celular es 5512345678",
        "tracking? meu celular 11987654321",
        "جوالي 0501234567 رقم التتبع؟",
    ],
)
def test_phone_numbers_are_not_tracking_numbers(text: str) -> None:
    assert numbers(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "tracking? ordered 2025-06-05",
        "tracking? ordered 05/06/2025",
        "tracking? ordered 20250605",
        "tracking? shipped 20250605143015",
        "tracking? paid $1234567890",
        "tracking? 付了3318810025元",
        "tracking? total 1.234.567,89 €",
        "tracking? paid 3318810025 USD",
        "refund to IBAN DE89 3704 0044 0532 0130 00 tracking?",
        "refund to IBAN GB29NWBK60161331926819 tracking",
        "tracking? card 4111 1111 1111 1111",
        "tracking? Amazon order 113-1234567-7654321",
        "tracking? order #1042",
        "tracking? #3318810025",
        "tracking? mail me at john3318810025@example.com",
    ],
)
def test_dates_prices_ibans_cards_order_ids_and_emails_are_not_tracking_numbers(text: str) -> None:
    assert numbers(text) == []


@pytest.mark.parametrize("number", ["YT2430721272045581", "LP00614958812309"])
def test_a_tracking_number_passing_mod_97_by_chance_is_no_iban_without_an_iban_country(
    number: str,
) -> None:
    # "YT"/"LP" + digits pass the IBAN check digits about once in 97; neither is an IBAN country.
    assert numbers(f"tracking {number}") == [number]


def test_a_postcode_is_never_joined_to_the_number_after_it() -> None:
    # "10001 3318810025" would be a 15-digit candidate; the ZIP after a state is no part of it.
    assert numbers("ship to New York, NY 10001 tracking 3318810025") == [DHL_10]
    assert numbers("tracking: NY 10001 3318810025") == [DHL_10]


@pytest.mark.parametrize(
    "text", ["tracking 0000000000", "tracking 1111111111111", "tracking 1234567890", "987654321098"]
)
def test_degenerate_numbers_are_rejected(text: str) -> None:
    assert numbers(text, tracking_context=True) == []


def test_the_callers_excluded_spans_are_never_tracking_numbers() -> None:
    text = "pedido 201298452277, tracking LP00614958812345"
    start = text.index("LP")
    assert numbers(text, excluded_spans=[(start, start + 16)]) == []
    assert numbers("tracking 3318810025", excluded_spans=[(12, 13)]) == []
    assert numbers("tracking 3318810025", excluded_spans=[(0, 8)]) == [DHL_10]


# --- carriers, ranked ----------------------------------------------------------------------------


def test_eleven_digits_may_be_dhl_express_or_japan_post() -> None:
    found = only(f"tracking {DHL_11}")
    assert carriers(found)[:2] == ["dhl", "japan-post"]
    assert found.carriers[0].confidence > found.carriers[1].confidence


def test_a_carrier_named_in_the_message_moves_to_the_top() -> None:
    assert carriers(only(f"Japan Post {DHL_11}"))[0] == "japan-post"
    assert carriers(only("4PX LP00614958812345"))[0] == "4px"
    assert carriers(only("顺丰 458763092417"))[0] == "sf-express"


def test_twelve_digits_keep_every_carrier_whose_check_digit_holds() -> None:
    # 201298452277 is a DHL Paket Identcode that also passes FedEx 12.
    found = only("tracking 201298452277")
    assert {"fedex", "dhl-paket"} <= set(carriers(found))
    assert found.checksum == "valid"


def test_a_00340_number_is_dhl_paket_first_and_usps_second() -> None:
    found = only("Sendungsnummer 00340433836442636597")
    assert carriers(found)[:2] == ["dhl-paket", "usps"]


def test_a_hermes_number_keeps_the_other_fourteen_digit_carriers() -> None:
    found = only("tracking 09133131530724")
    assert found.format == "hermes_14"
    assert {"hermes", "dhl-ecommerce", "dpd"} <= set(carriers(found))


@pytest.mark.parametrize(
    ("number", "carrier"),
    [
        ("EE994353255CN", "china-ems"),
        ("LX123456785CN", "china-post"),
        ("RB123456785GB", "royal-mail"),
        ("RB123456785US", "usps"),
        ("EF719215461JP", "japan-post"),
        ("EB000717618HK", "hong-kong-post"),
        ("RM999605013CH", "swiss-post"),
        ("RB123456785CV", "upu"),
    ],
)
def test_an_s10_number_names_the_post_of_its_country(number: str, carrier: str) -> None:
    found = only(number)
    assert found.format == "s10"
    assert carriers(found)[0] == carrier


def test_confidences_lie_between_0_and_1_best_first() -> None:
    found = only("tracking 201298452277")
    values = [candidate.confidence for candidate in found.carriers]
    assert values == sorted(values, reverse=True)
    assert all(0 < value <= 1 for value in values)


# --- near misses ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number", "reason"),
    [
        ("my tracking is 1Z12345E0205271688", "1Z12345E0205271688", "check digit"),
        ("1Z5R89390357567128", "1Z5R89390357567128", "check digit"),
        ("RA123456789CN", "RA123456789CN", "check digit"),
        ("LX123456789CN", "LX123456789CN", "check digit"),
        ("RB123456785XX", "RB123456785XX", "S10 country code unknown"),
        ("LP0061495881234", "LP0061495881234", "length"),
        ("1Z5R8939035756712", "1Z5R8939035756712", "length"),
        ("tracking 9400111206206406260788", "9400111206206406260788", "check digit"),
    ],
)
def test_a_known_shape_failing_its_check_is_a_likely_typo(
    text: str, number: str, reason: str
) -> None:
    detection = DETECTOR.detect(text)
    assert detection.tracking_numbers == ()
    [typo] = detection.likely_typos
    assert (typo.number, typo.reason) == (number, reason)
    assert text[typo.start : typo.end] == number


def test_a_typo_names_the_carrier_it_would_belong_to() -> None:
    [typo] = DETECTOR.detect("1Z12345E0205271688").likely_typos
    assert typo.format == "ups"
    assert [candidate.carrier for candidate in typo.carriers] == ["ups"]


@pytest.mark.parametrize(
    "text",
    [
        "UY894729184YP",  # S10-shaped but Yanwen: found, not a typo
        "the invoice was 3318810026",
        "1234567890123456789012345678901234",
        "ticket 20473918275619283746501928374655",
        "serial AB1234567890",
    ],
)
def test_random_long_numbers_are_not_reported_as_typos(text: str) -> None:
    assert DETECTOR.detect(text).likely_typos == ()


def test_an_all_digit_near_miss_needs_support_like_a_check_digit_number() -> None:
    number = "9400111206206406260788"
    assert DETECTOR.detect(f"ref {number}").likely_typos == ()
    assert [t.number for t in DETECTOR.detect(f"tracking {number}").likely_typos] == [number]


# --- bad input -----------------------------------------------------------------------------------


def _bad_inputs() -> dict[str, str]:
    rng = random.Random(20260101)
    return {
        "empty": "",
        "whitespace": " \n\t\u3000 ",
        "100 KB of prose": ("I am still waiting for my parcel, when will it arrive? " * 2000)[
            :100_000
        ],
        "100 KB of mixed-language prose": ("我的包裹在哪里？ ¿Dónde está? وين الطلب؟ " * 4000)[
            :100_000
        ],
        "binary garbage as latin-1": bytes(rng.randrange(256) for _ in range(100_000)).decode(
            "latin-1"
        ),
        "binary garbage as utf-8": bytes(rng.randrange(256) for _ in range(100_000)).decode(
            "utf-8", "replace"
        ),
        "only emoji": "😀🎉📦👍🏽🇨🇳❤️‍🔥1️⃣" * 3000,
        "control characters": "".join(chr(code) for code in range(32)) * 1000,
        "one huge token": "A1" * 50_000,
        "nested brackets": "(" * 50_000 + ")" * 50_000,
        "unpaired surrogates": "\ud800\udfff" * 1000,
    }


@pytest.mark.parametrize(("name", "text"), list(_bad_inputs().items()))
def test_bad_input_gets_a_normal_empty_result(name: str, text: str) -> None:
    assert DETECTOR.detect(text) == Detection(), name


def test_only_the_first_ten_thousand_characters_are_scanned() -> None:
    # Instagram caps a DM at 1,000 characters; longer text is a paste of something else.
    assert numbers("hello " * 1600 + "my tracking LP00614958812345") == ["LP00614958812345"]
    assert numbers("hello " * 1700 + "my tracking LP00614958812345") == []


def test_a_number_met_before_is_judged_afresh_in_each_message() -> None:
    """The detector remembers what a candidate string is (its formats and check digits), never
    what its message made of it: the same number needs its cue again, and a full memory is
    emptied without changing a result."""
    detector = load_detector()
    assert [f.number for f in detector.detect(f"tracking {DHL_10}").tracking_numbers] == [DHL_10]
    assert detector.detect(f"I got {DHL_10} yesterday").tracking_numbers == ()
    assert detector.detect(f"I got {DHL_10} yesterday", tracking_context=True).tracking_numbers
    first = detector.detect(f"my tracking number is {DHL_11}")
    rng = random.Random(3)
    for _ in range(CACHED_CANDIDATES // 2):  # three candidates each: the memory fills
        detector.detect(f"tracking {rng.randrange(10**11, 10**12)} {rng.randrange(10**9)}")
    assert detector.detect(f"my tracking number is {DHL_11}") == first
    assert first == load_detector().detect(f"my tracking number is {DHL_11}")
