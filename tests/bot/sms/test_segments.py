"""Segment counting: GSM-7 with its extension table, UCS-2 with surrogate pairs."""

from __future__ import annotations

import pytest

from bot.sms.segments import Encoding, count, gsm7_lookalike, truncate


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", Encoding.GSM7, 0, 1),
        ("a" * 160, Encoding.GSM7, 160, 1),
        ("a" * 161, Encoding.GSM7, 161, 2),
        ("a" * 306, Encoding.GSM7, 306, 2),
        ("a" * 307, Encoding.GSM7, 307, 3),
        # Extension characters take two septets each.
        ("€" * 80, Encoding.GSM7, 160, 1),
        ("€" * 81, Encoding.GSM7, 162, 2),
        ("{[]}~^|\\", Encoding.GSM7, 16, 1),
        # Accents the basic set has stay GSM-7.
        ("é" * 160, Encoding.GSM7, 160, 1),
        ("Ihr Paket: Zustellung für Müller", Encoding.GSM7, 32, 1),
        # One character outside GSM-7 makes the whole text UCS-2.
        ("ê" * 70, Encoding.UCS2, 70, 1),
        ("ê" * 71, Encoding.UCS2, 71, 2),
        ("a" * 159 + "á", Encoding.UCS2, 160, 3),
        ("包" * 134, Encoding.UCS2, 134, 2),
        ("包" * 135, Encoding.UCS2, 135, 3),
        # Emoji outside the BMP take two UTF-16 units.
        ("😀" * 35, Encoding.UCS2, 70, 1),
        ("😀" * 36, Encoding.UCS2, 72, 2),
    ],
)
def test_a_text_is_counted_in_its_encoding(text, encoding, units, segments):
    counted = count(text)
    assert (counted.encoding, counted.units, counted.count) == (encoding, units, segments)


def test_an_extension_character_is_never_split_between_two_gsm7_segments():
    # 152 septets, then "€" (2): it does not fit in the first 153, so it opens the second.
    assert count("a" * 152 + "€" + "a" * 153).count == 3
    assert count("a" * 151 + "€" + "a" * 153).count == 2


def test_a_surrogate_pair_is_never_split_between_two_ucs2_segments():
    assert count("ê" * 66 + "😀" + "ê" * 66).count == 3
    assert count("ê" * 65 + "😀" + "ê" * 67).count == 2


def test_accents_gsm7_lacks_can_be_dropped_to_stay_in_gsm7():
    assert gsm7_lookalike("Tu paquete está en reparto… “hoy”") == (
        'Tu paquete esta en reparto... "hoy"'
    )
    assert gsm7_lookalike("Zustellung für Müller") == "Zustellung für Müller"
    assert gsm7_lookalike("您的包裹") is None
    assert gsm7_lookalike("طردك") is None


def test_truncation_fits_the_segments_and_keeps_gsm7():
    cut = truncate("word " * 200, 3)
    assert count(cut).count == 3
    assert count(cut).encoding is Encoding.GSM7
    assert cut.endswith("...")
    chinese = truncate("包裹" * 200, 1)
    assert count(chinese) == count(chinese)  # deterministic
    assert count(chinese).count == 1
    assert chinese.endswith("…")
