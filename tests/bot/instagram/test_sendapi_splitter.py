"""split_text: long replies become Instagram-sized parts cut at the most natural boundary."""

from __future__ import annotations

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.instagram.splitter import TEXT_LIMIT_BYTES, split_text

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 25 bytes, one grapheme
THUMBS_UP_DARK = "\U0001f44d\U0001f3ff"
FLAG_CN = "\U0001f1e8\U0001f1f3"
E_ACUTE = "e\u0301"
CJK_TERMINATORS = "。！？"


def size(text: str) -> int:
    return len(text.encode("utf-8"))


def graphemes(text: str) -> list[str]:
    return regex.findall(r"\X", text)


def test_text_within_the_limit_is_one_part() -> None:
    assert split_text("Your parcel is out for delivery today.") == [
        "Your parcel is out for delivery today."
    ]


def test_blank_text_gives_no_parts() -> None:
    assert split_text("") == []
    assert split_text(" \n\n\t ") == []


def test_default_limit_is_instagrams_1000_bytes() -> None:
    assert TEXT_LIMIT_BYTES == 1000
    text = "\n".join(f"Parcel {n}: in transit, last seen at the Shenzhen hub." for n in range(60))
    parts = split_text(text)
    assert len(parts) > 1
    assert all(size(part) <= 1000 for part in parts)


def test_parts_are_cut_between_lines_and_packed_greedily() -> None:
    text = "line one\nline two\nline three\nline four"
    assert split_text(text, 20) == ["line one\nline two", "line three\nline four"]


def test_blank_lines_at_a_cut_are_dropped_but_kept_inside_a_part() -> None:
    text = "Hello!\n\nYour order:\n\n\n\n#10234 shipped"
    assert split_text(text, 20) == ["Hello!\n\nYour order:", "#10234 shipped"]


def test_a_line_too_long_is_cut_between_sentences_then_words() -> None:
    text = "Short intro.\nYour parcel left Shenzhen. It is now in Leipzig and moves on tomorrow."
    parts = split_text(text, 40)
    assert parts == [
        "Short intro.",
        "Your parcel left Shenzhen.",
        "It is now in Leipzig and moves on",
        "tomorrow.",
    ]


def test_words_are_never_cut_when_each_fits() -> None:
    text = "tracking number YT2229521272164446 is with the carrier"
    parts = split_text(text, 20)
    assert [word for part in parts for word in part.split()] == text.split()
    assert all(size(part) <= 20 for part in parts)


def test_a_word_longer_than_the_limit_is_cut_between_characters() -> None:
    assert split_text("https://shop.example/track/10234", 10) == [
        "https://sh",
        "op.example",
        "/track/102",
        "34",
    ]


def test_chinese_without_spaces_is_cut_after_sentence_terminators() -> None:
    text = "您好！您的包裹已经到达深圳转运中心。预计三天后送达。谢谢您的耐心等待！"
    parts = split_text(text, 60)
    assert parts == ["您好！您的包裹已经到达深圳转运中心。", "预计三天后送达。谢谢您的耐心等待！"]
    assert all(size(part) <= 60 for part in parts)


def test_chinese_sentence_longer_than_the_limit_is_cut_between_characters() -> None:
    text = "您的包裹已经到达深圳转运中心"  # 14 characters of 3 bytes
    parts = split_text(text, 10)
    assert parts == ["您的包", "裹已经", "到达深", "圳转运", "中心"]
    assert "".join(parts) == text


def test_arabic_is_cut_between_words() -> None:
    text = "مرحبا، طلبك رقم 10234 في الطريق. سيصل خلال ثلاثة أيام إن شاء الله"
    parts = split_text(text, 40)
    assert all(size(part) <= 40 for part in parts)
    assert [word for part in parts for word in part.split()] == text.split()
    assert parts[0] == "مرحبا، طلبك رقم 10234 في"


def test_arabic_question_mark_ends_a_sentence() -> None:
    assert split_text("أين طلبي؟ لم يصل بعد", 20) == ["أين طلبي؟", "لم يصل بعد"]


def test_emoji_sequences_flags_and_accents_are_never_split() -> None:
    text = (FAMILY + THUMBS_UP_DARK + FLAG_CN + E_ACUTE) * 5
    parts = split_text(text, 30)
    assert all(size(part) <= 30 for part in parts)
    assert [g for part in parts for g in graphemes(part)] == graphemes(text)
    assert FAMILY in parts[0]


def test_a_grapheme_longer_than_the_limit_falls_back_to_code_points() -> None:
    zalgo = "a" + "\u0301" * 10  # one grapheme of 21 bytes
    parts = split_text(zalgo, 8)
    assert "".join(parts) == zalgo
    assert all(size(part) <= 8 for part in parts)


def test_a_limit_below_one_character_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 4"):
        split_text("abc", 3)


# -- properties over mixed-script text ---------------------------------------------------------

WORDS = st.sampled_from(
    [
        "parcel",
        "YT2229521272164446",
        "包裹",
        "已经到达",
        "深圳。",
        "谢谢！",
        "طلبك",
        "الطريق؟",
        "Straße",
        "día",
        E_ACUTE,
        FAMILY,
        THUMBS_UP_DARK,
        FLAG_CN,
        "https://shop.example/track/10234",
        "done.",
        "a" * 40,
        "长" * 30,
    ]
)
SEPARATORS = st.sampled_from([" ", " ", " ", "\n", "\n\n", "\r\n", "  ", "\t"])
TEXTS = st.lists(st.tuples(WORDS, SEPARATORS), max_size=80).map(
    lambda pairs: "".join(word + separator for word, separator in pairs)
)


@settings(max_examples=300, database=None, deadline=None)
@given(text=TEXTS, limit=st.integers(min_value=4, max_value=300))
def test_split_properties(text: str, limit: int) -> None:
    parts = split_text(text, limit)

    # Every part fits, and none is blank or carries whitespace at its edges.
    assert all(size(part) <= limit for part in parts)
    assert all(part and part == part.strip() for part in parts)
    # Nothing but whitespace at the cuts is lost, and the order is kept.
    assert "".join("".join(part.split()) for part in parts) == "".join(text.split())
    # No grapheme is cut when each fits on its own.
    if all(size(g) <= limit for g in graphemes(text)):
        kept = [g for part in parts for g in graphemes(part) if not g.isspace()]
        assert kept == [g for g in graphemes(text) if not g.isspace()]
    # No line is cut when each line fits on its own.
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if all(size(line) <= limit for line in lines):
        assert [line.strip() for p in parts for line in p.splitlines() if line.strip()] == lines
    # No word is cut when each word fits, unless a CJK sentence end sits inside a word.
    words = text.split()
    if all(size(word) <= limit for word in words) and not any(
        mark in word[:-1] for word in words for mark in CJK_TERMINATORS
    ):
        assert [word for part in parts for word in part.split()] == words
