"""Numbers are found however they are written: case, separators, scripts, invisible marks,
CJK around them, inside links; spans always point into the original text."""

from __future__ import annotations

import pytest

from carriers.numbers import FoundNumber, load_detector

DETECTOR = load_detector()
UPS = "1Z5R89390357567127"
S10 = "LX123456785CN"


def only(text: str, *, context: bool = False) -> FoundNumber:
    [found] = DETECTOR.detect(text, tracking_context=context).tracking_numbers
    return found


@pytest.mark.parametrize(
    "text",
    [
        "1z5r89390357567127",
        "1Z5R-8939-0357-5671-27",
        "1Z 5R8 939 035 756 712 7",
        "1Z.5R8.939.035.756.712.7",
        "1Z\u20105R89\u20113903\u20135756\u20147127",  # hyphen, non-breaking hyphen, en, em dash
        "1Z\u22125R893903575671 27",  # minus sign
        "１Ｚ５Ｒ８９３９０３５７５６７１２７",  # full-width, as CJK input methods type it
        "1Z\u00a05R89\u202f3903\u20095756\u30007127",  # NBSP, narrow NBSP, thin, ideographic
        "1Z5R\u200b8939\u200e0357\u200f5671\u2060\ufeff27",  # zero-width and bidi marks
        "1Z5R89390357\u00ad567127",  # soft hyphen
    ],
)
def test_separators_case_and_unicode_forms_are_normalised(text: str) -> None:
    found = only(text)
    assert found.number == UPS
    assert (found.start, found.end) == (0, len(text))


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("رقم التتبع: ٣٣١٨٨١٠٠٢٥", "3318810025"),  # Arabic-Indic digits
        ("رقم التتبع: ۳۳۱۸۸۱۰۰۲۵", "3318810025"),  # Extended Arabic-Indic (Persian)
        ("tracking ३३१८८१००२५", "3318810025"),  # Devanagari
        ("رقم الشحنة \u200fLX\u200e 123 456 785 CN\u200f", S10),
    ],
)
def test_digits_of_any_script_are_read_as_ascii(text: str, number: str) -> None:
    found = only(text)
    assert found.number == number
    assert found.number.isascii()


@pytest.mark.parametrize(
    "text",
    [
        "单号LP00614958812345谢谢",
        "您好，我的快递单号是：LP00614958812345，请问到哪里了？",
        "請問LP00614958812345到哪了",
        "tracking:LP00614958812345",
        "no.LP00614958812345",
        "numberLP00614958812345",  # split where the case changes
    ],
)
def test_numbers_glued_to_cjk_text_words_and_punctuation_are_split_off(text: str) -> None:
    found = only(text)
    assert found.number == "LP00614958812345"
    assert text[found.start : found.end] == "LP00614958812345"


def test_spans_point_into_the_original_text_even_after_removed_characters() -> None:
    text = "\u200f\u200e\ufeffmon colis: \u200el x 123\u2060456 785 c n\u200f merci"
    found = only(text)
    assert found.number == S10
    assert text[found.start : found.end] == "l x 123\u2060456 785 c n"


def test_a_single_glued_letter_makes_the_whole_group_one_identifier() -> None:
    assert DETECTOR.detect("tracking A60120172242323").tracking_numbers == ()
    assert DETECTOR.detect("tracking 60120172242323B").tracking_numbers == ()


def test_words_are_never_joined_into_a_number() -> None:
    # "IN" is a DHL eCommerce prefix; joining it to the next group would make a longer match.
    found = only("it is IN GM2951173225174494 the tracking")
    assert found.number == "GM2951173225174494"


def test_accented_words_do_not_leave_letters_to_glue_on() -> None:
    # "não" must not lend its "N" to the number before it.
    detection = DETECTOR.detect("rastreamento 1Z410E7W0392751592 não funciona")
    assert [typo.number for typo in detection.likely_typos] == ["1Z410E7W0392751592"]


def test_lasership_keeps_its_literal_dash_suffix() -> None:
    found = only("LaserShip 1LS7119013618127-1")
    assert found.number == "1LS7119013618127-1"
    assert found.format == "lasership-1ls7-18"


@pytest.mark.parametrize(
    ("text", "number", "carrier"),
    [
        ("https://www.ups.com/track?loc=en_US&tracknum=1Z5R89390357567127", UPS, "ups"),
        ("ups.com/track?tracknum=1z5r89390357567127", UPS, "ups"),
        (
            "https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums=1Z5R89390357567127",
            UPS,
            "ups",
        ),
        ("https://www.fedex.com/fedextrack/?trknbr=986578788855", "986578788855", "fedex"),
        (
            "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111206206406260787",
            "9400111206206406260787",
            "usps",
        ),
        ("https://t.17track.net/en#nums=YT2229521272164446", "YT2229521272164446", "yunexpress"),
        ("https://www.17track.net/en/track?nums=LX123456785CN", S10, "china-post"),
        ("https://parcelsapp.com/en/tracking/LP00614958812345", "LP00614958812345", "cainiao"),
        ("https://track.aftership.com/trackings?tracking-numbers=3318810025", "3318810025", "dhl"),
        ("https://mystore.aftership.com/LP00614958812345", "LP00614958812345", "cainiao"),
        (
            "https://global.cainiao.com/detail.htm?mailNoList=LP00724622449605",
            "LP00724622449605",
            "cainiao",
        ),
        (
            "https://www.dhl.com/global-en/home/tracking.html?tracking-id=3318810025",
            "3318810025",
            "dhl",
        ),
        ("https://track.4px.com/#/result/0/4PX300184920194", "4PX300184920194", "4px"),
        (
            "https://www.royalmail.com/track-your-item#/tracking-results/RB123456785GB",
            "RB123456785GB",
            "royal-mail",
        ),
        ("https://shop.example.com/apps/parcelpanel?nums=3318810025", "3318810025", "dhl"),
        ("https://shop.example.com/pages/tracking/LP00614958812345", "LP00614958812345", "cainiao"),
    ],
)
def test_numbers_inside_carrier_tracker_and_store_links_are_found(
    text: str, number: str, carrier: str
) -> None:
    found = only(text)
    assert found.number == number
    assert found.carriers[0].carrier == carrier
    assert text[found.start : found.end].upper() == number


def test_a_link_carries_enough_context_for_a_bare_check_digit_number() -> None:
    # Alone, 986578788855 would need a cue; in a FedEx link it is a FedEx number.
    assert DETECTOR.detect("see 986578788855").tracking_numbers == ()
    assert only("fedex.com/fedextrack/?trknbr=986578788855").carriers[0].carrier == "fedex"


def test_several_numbers_in_one_link_are_all_found() -> None:
    text = "https://t.17track.net/en#nums=LP00614958812345,YT2229521272164446"
    found = DETECTOR.detect(text).tracking_numbers
    assert [f.number for f in found] == ["LP00614958812345", "YT2229521272164446"]
    assert [text[f.start : f.end] for f in found] == [f.number for f in found]


def test_a_percent_encoded_number_is_decoded() -> None:
    found = only("https://www.ups.com/track?tracknum=1Z%205R8%20939%20035%20756%20712%207")
    assert found.number == UPS


def test_a_carrier_link_value_of_no_known_format_is_still_taken_for_that_carrier() -> None:
    found = only("https://www.ups.com/track?tracknum=ABC12345678")
    assert found.number == "ABC12345678"
    assert found.format == "link"
    assert [c.carrier for c in found.carriers] == ["ups"]


def test_a_link_glued_to_chinese_text_ends_where_the_text_resumes() -> None:
    text = "这个链接https://www.ups.com/track?tracknum=1Z879E930346834440打不开"
    found = only(text)
    assert found.number == "1Z879E930346834440"


@pytest.mark.parametrize(
    "text",
    [
        "https://cdn.shopify.com/s/files/1/0533/2089/files/IMG_3318810025.jpg?v=1700000000",
        "https://mystore.com/account/orders/201298452277?key=986578788855",
        "https://scontent.cdninstagram.com/v/t51.2885-15/7035114477138472_n.jpg?asset_id=4155550103",
        "see mystore.com/products/shirt?variant=73891051146",
    ],
)
def test_digit_runs_in_other_links_are_not_tracking_numbers(text: str) -> None:
    assert DETECTOR.detect(text, tracking_context=True).tracking_numbers == ()


def test_duplicate_numbers_are_reported_once_at_their_first_occurrence() -> None:
    text = "LP00614958812345 again: lp 0061 4958 8123 45"
    [found] = DETECTOR.detect(text).tracking_numbers
    assert found.start == 0


def test_several_numbers_come_back_in_text_order() -> None:
    text = "two parcels: YT2229521272164446 and 1Z5R89390357567127, plus RB123456785GB"
    numbers = [found.number for found in DETECTOR.detect(text).tracking_numbers]
    assert numbers == ["YT2229521272164446", UPS, "RB123456785GB"]


def test_the_longest_valid_match_wins_over_numbers_inside_it() -> None:
    # A 30-digit USPS IMpb with its routing prefix contains a valid 22-digit one.
    found = only("USPS 420787459400111206206406260787")
    assert found.number == "420787459400111206206406260787"


def test_numbers_listed_with_only_a_space_between_stay_separate() -> None:
    # 3982597916 and 9074833784 are DHL Express numbers; joined, the 20 digits pass USPS 20.
    text = "tracking 3982597916 9074833784"
    assert [f.number for f in DETECTOR.detect(text).tracking_numbers] == [
        "3982597916",
        "9074833784",
    ]


def test_an_overlong_group_next_to_a_number_does_not_hide_it() -> None:
    text = "LP00614958812345 " + "A1" * 40 + " 1Z5R89390357567127"
    assert [f.number for f in DETECTOR.detect(text).tracking_numbers] == [
        "LP00614958812345",
        UPS,
    ]
