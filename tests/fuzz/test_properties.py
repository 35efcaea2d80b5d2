"""Properties of what reads untrusted input: webhook bodies, cursors, query values, CSV cells,
proofs, log lines.

Hypothesis draws the inputs (a bounded number of examples each, so the file runs in a few
seconds); every property holds for any text, including NUL, lone surrogates and huge numbers.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app.logs import SECRET_PARAMETERS, redact
from bot.instagram.events import parse_webhook
from conversations.console.cells import formula_cells, safe_cell
from conversations.console.errors import BadInput
from conversations.console.inputs import (
    FIRST_DAY,
    LAST_DAY,
    MAX_ID,
    ascii_token,
    day,
    plain_text,
    row_id,
)
from conversations.console.queries import decode_cursor, encode_cursor
from stores.verification import (
    TYPED_PROOFS,
    ProofKind,
    check_proof,
    postal_code_matches,
    read_proof,
)
from tests.stores.builders import order

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=80)
INSTANTS = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(9998, 12, 30), timezones=st.just(UTC)
)


@FAST
@given(INSTANTS, st.integers(1, MAX_ID))
def test_a_cursor_decodes_to_what_it_was_made_from(at: datetime, conversation_id: int) -> None:
    assert decode_cursor(encode_cursor(at, conversation_id)) == (at, conversation_id)


@FAST
@given(st.one_of(ANY_TEXT, st.binary(max_size=60).map(lambda b: b.hex())))
def test_any_cursor_decodes_to_nothing_or_to_values_the_database_takes(cursor: str) -> None:
    decoded = decode_cursor(cursor)
    if decoded is not None:
        at, conversation_id = decoded
        assert 0 < conversation_id <= MAX_ID
        assert FIRST_DAY <= at.astimezone(UTC).date() <= LAST_DAY


@FAST
@given(ANY_TEXT)
def test_query_values_are_read_or_refused_never_crash(value: str) -> None:
    found = row_id(value)
    assert found is None or 0 < found <= MAX_ID
    try:
        read = day(value, "from")
    except BadInput:
        read = None
    assert read is None or FIRST_DAY <= read <= LAST_DAY
    cleaned = plain_text(value, 200)
    assert cleaned is None or ("\x00" not in cleaned and len(cleaned) <= 200)
    token = ascii_token(value)
    assert token is None or token.encode("ascii").decode() == token


@FAST
@given(ANY_TEXT)
def test_no_csv_cell_holds_a_formula_whatever_the_separator(text: str) -> None:
    cell = safe_cell(text)
    assert formula_cells(cell) == []
    assert cell.replace("'", "") == text.replace("'", "")
    buffer = io.StringIO()
    csv.writer(buffer).writerow([cell, "x"])
    for delimiter in (",", ";", "\t"):
        for row in csv.reader(io.StringIO(buffer.getvalue()), delimiter=delimiter):
            assert [piece for piece in row if formula_cells(piece)] == []


MEI = order(
    "1042",
    email="mei.chen+shop@gmail.com",
    phone="+86 138-0013-8000",
    postal_code="SW1A 1AA",
)


@FAST
@given(ANY_TEXT)
def test_any_message_is_read_as_at_most_one_proof(text: str) -> None:
    reading = read_proof("1042", text, TYPED_PROOFS, stored_postal_code="SW1A 1AA")
    assert reading is None or reading.kind in TYPED_PROOFS
    found = check_proof(MEI, text)
    assert found is None or (reading is not None and found is reading.kind)


@FAST
@given(st.sampled_from(["SW1A 1AA", "K1A 0B1", "1012 AB", "94105", "D02 X285"]), st.data())
def test_a_postcode_matches_itself_however_it_is_spaced_or_cased(code: str, data) -> None:
    spaces = data.draw(
        st.lists(st.sampled_from(["", " ", "  "]), min_size=len(code), max_size=len(code))
    )
    typed = "".join(c + s for c, s in zip(code.replace(" ", ""), spaces, strict=False))
    typed = data.draw(st.sampled_from([typed.lower(), typed.upper(), typed]))
    assert postal_code_matches(code, typed)
    assert check_proof(order("1", postal_code=code), f"postcode {typed}") in (
        ProofKind.POSTAL_CODE,
        None,  # spaced so wide that it reads as several words: no proof, never a wrong kind
    )


@FAST
@given(st.sampled_from(SECRET_PARAMETERS), st.text("abcXYZ019-_.~%", min_size=1, max_size=30))
def test_a_secret_query_value_never_survives_a_log_line(name: str, value: str) -> None:
    line = f'127.0.0.1 "GET /path?a=1&{name}={value}&b=2 HTTP/1.1" 200'
    assert f"{name}={value}" not in redact(line)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=20,
)


@FAST
@given(
    st.one_of(
        st.binary(max_size=200),
        JSON_VALUES.map(lambda value: json.dumps(value).encode()),
        st.fixed_dictionaries(
            {"object": st.just("instagram"), "entry": st.lists(JSON_VALUES, max_size=3)}
        ).map(lambda value: json.dumps(value).encode()),
    )
)
def test_any_signed_body_parses_to_events_and_never_raises(raw: bytes) -> None:
    events = parse_webhook(raw, datetime(2026, 12, 1, tzinfo=UTC))
    assert events  # at least the one event that records what could not be used
