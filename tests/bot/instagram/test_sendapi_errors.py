"""classify_error: Meta's codes, never its text, decide retry, give up, or reconcile first."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from bot.errors import (
    BotError,
    SendAccountBlocked,
    SendAmbiguous,
    SendError,
    SendFinal,
    SendRetryable,
)
from bot.instagram.graph_errors import classify_error, classify_transport_error, retry_after


def graph_error(code, subcode=None, *, message="(#0) whatever", **extra):
    error = {"message": message, "type": "IGApiException", "code": code, "fbtrace_id": "AbC123"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": {**error, **extra}}


# (HTTP status, code, subcode) → (class, reason, scope), from docs/instagram.md, Error codes.
TABLE = [
    (400, 1, None, SendRetryable, "unknown_error", "message"),
    (400, 1, 99, SendRetryable, "unknown_error", "message"),
    (500, 1, 1357046, SendAmbiguous, "invalid_json_reply", "message"),
    (400, 1, 1357046, SendAmbiguous, "invalid_json_reply", "message"),
    (500, 2, None, SendRetryable, "service_unavailable", "message"),
    (400, 4, None, SendRetryable, "rate_limited", "account"),
    (400, 17, None, SendRetryable, "rate_limited", "account"),
    (400, 32, None, SendRetryable, "rate_limited", "account"),
    (400, 341, None, SendRetryable, "rate_limited", "account"),
    (400, 613, None, SendRetryable, "rate_limited", "account"),
    (400, 613, 2534040, SendRetryable, "rate_limited", "account"),
    (400, 613, 2018338, SendFinal, "tag_misuse", "account"),
    (400, 368, None, SendAccountBlocked, "policy_blocked", "account"),
    (403, 10, 2534022, SendFinal, "window_closed", "recipient"),
    (400, 10, 2018278, SendFinal, "window_closed", "recipient"),
    (400, 10, 2018065, SendFinal, "window_closed", "recipient"),
    (400, 10, 2018108, SendFinal, "recipient_unavailable", "recipient"),
    (400, 10, 1893063, SendAccountBlocked, "account_restricted", "account"),
    (400, 10, 2534077, SendAccountBlocked, "account_not_connected", "account"),
    (400, 10, None, SendAccountBlocked, "permission_denied", "account"),
    (400, 100, None, SendFinal, "invalid_request", "message"),
    (400, 100, 2534014, SendFinal, "recipient_not_igsid", "recipient"),
    (400, 100, 2534013, SendAccountBlocked, "account_not_connected", "account"),
    (400, 100, 2534015, SendFinal, "invalid_message", "message"),
    (400, 100, 2534029, SendAccountBlocked, "account_blocked", "account"),
    (400, 100, 2534037, SendFinal, "not_thread_owner", "recipient"),
    (400, 100, 2018001, SendFinal, "recipient_not_found", "recipient"),
    (400, 100, 2018008, SendFinal, "attachment_unreachable", "message"),
    (400, 100, 2018047, SendFinal, "attachment_upload_failed", "message"),
    (400, 100, 2018109, SendFinal, "attachment_too_large", "message"),
    (400, 190, None, SendAccountBlocked, "token_invalid", "account"),
    (400, 190, 463, SendAccountBlocked, "token_invalid", "account"),
    (400, 190, 460, SendAccountBlocked, "token_invalid", "account"),
    (400, 200, None, SendAccountBlocked, "permission_missing", "account"),
    (400, 230, None, SendAccountBlocked, "permission_missing", "account"),
    (400, 200, 2534041, SendAccountBlocked, "messaging_disabled_by_owner", "account"),
    (400, 200, 1545041, SendFinal, "recipient_unavailable", "recipient"),
    (400, 551, None, SendFinal, "recipient_unavailable", "recipient"),
    (400, 551, 1545041, SendFinal, "recipient_unavailable", "recipient"),
    (400, 2018300, None, SendFinal, "not_thread_owner", "recipient"),
    (400, 10, 2018300, SendFinal, "not_thread_owner", "recipient"),
    (400, 100, 2534068, SendFinal, "multi_image_unsupported", "message"),
    (400, 9000001, None, SendFinal, "message_deleted", "message"),
]


@pytest.mark.parametrize(
    ("status", "code", "subcode", "kind", "reason", "scope"),
    TABLE,
    ids=[f"{code}/{subcode}" for _, code, subcode, *_ in TABLE],
)
def test_graph_errors_are_classified_by_code_and_subcode(
    status, code, subcode, kind, reason, scope
) -> None:
    error = classify_error(status, graph_error(code, subcode))
    assert type(error) is kind
    assert (error.code, error.subcode, error.reason, error.scope) == (code, subcode, reason, scope)
    assert error.http_status == status
    assert error.fbtrace_id == "AbC123"


def test_the_message_text_never_changes_the_outcome() -> None:
    # Meta localises `message`; a Japanese one was captured in the wild.
    english = classify_error(403, graph_error(10, 2534022, message="outside of allowed window"))
    japanese = classify_error(403, graph_error(10, 2534022, message="許可された期間外です"))
    misleading = classify_error(403, graph_error(10, 2534022, message="Please retry later"))
    assert {type(e) for e in (english, japanese, misleading)} == {SendFinal}
    assert {e.reason for e in (english, japanese, misleading)} == {"window_closed"}


def test_the_raw_body_is_read_as_well_as_parsed_json() -> None:
    raw = json.dumps(graph_error(10, 2534022)).encode()
    assert classify_error(403, raw).reason == "window_closed"


def test_codes_sent_as_strings_are_understood() -> None:
    error = classify_error(400, {"error": {"message": "x", "code": "190", "error_subcode": "463"}})
    assert isinstance(error, SendFinal)
    assert (error.code, error.subcode) == (190, 463)


def test_an_unknown_code_is_final_unless_transient_or_a_server_error() -> None:
    assert isinstance(classify_error(400, graph_error(12345)), SendFinal)
    assert classify_error(400, graph_error(12345)).reason == "rejected"
    assert isinstance(classify_error(400, graph_error(12345, is_transient=True)), SendRetryable)
    assert isinstance(classify_error(503, graph_error(12345)), SendRetryable)


def test_a_final_code_stays_final_on_a_server_error_status() -> None:
    assert isinstance(classify_error(500, graph_error(190)), SendFinal)


@pytest.mark.parametrize(
    ("status", "body", "kind", "reason"),
    [
        (502, b"<html>Bad Gateway</html>", SendRetryable, "server_error"),
        (500, b"", SendRetryable, "server_error"),
        (503, None, SendRetryable, "server_error"),
        (408, b"", SendRetryable, "server_error"),
        (429, b"slow down", SendRetryable, "rate_limited"),
        (404, b"<html>Not Found</html>", SendFinal, "unexpected_http_status"),
        (400, b'{"unexpected": true}', SendFinal, "unexpected_http_status"),
        (200, b"<html>OK</html>", SendAmbiguous, "malformed_success"),
        (200, b'{"recipient_id": "1"}', SendAmbiguous, "malformed_success"),
    ],
)
def test_answers_without_a_graph_error_are_classified_by_status(status, body, kind, reason) -> None:
    error = classify_error(status, body)
    assert type(error) is kind
    assert error.reason == reason
    assert error.code is None


def test_every_send_error_is_a_bot_error() -> None:
    assert issubclass(SendError, BotError)
    for kind in (SendRetryable, SendFinal, SendAmbiguous):
        assert issubclass(kind, SendError)


def test_the_error_text_is_short_and_names_reason_code_status_and_trace() -> None:
    error = classify_error(403, graph_error(10, 2534022, message="secret buyer words"))
    assert str(error) == "window_closed (code 10/2534022, HTTP 403, fbtrace_id AbC123)"


# -- how long to wait --------------------------------------------------------------------------


def test_retry_after_in_seconds_is_honoured() -> None:
    error = classify_error(400, graph_error(613, 2534040), headers={"Retry-After": "30"})
    assert isinstance(error, SendRetryable)
    assert error.retry_after == 30.0
    assert str(error).endswith("retry after 30 s")


def test_retry_after_as_an_http_date_is_measured_from_now() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    headers = {"retry-after": "Thu, 01 Jan 2026 12:01:30 GMT"}
    assert retry_after(headers, now=now) == 90.0
    assert retry_after(headers) is None  # a date means nothing without a clock


def test_usage_header_regain_time_is_read_in_minutes() -> None:
    usage = {"17841400000000001": [{"type": "messenger", "estimated_time_to_regain_access": 3}]}
    error = classify_error(
        400, graph_error(4), headers={"X-Business-Use-Case-Usage": json.dumps(usage)}
    )
    assert isinstance(error, SendRetryable)
    assert error.retry_after == 180.0


def test_the_longer_of_two_waits_wins() -> None:
    usage = json.dumps({"1": [{"estimated_time_to_regain_access": 1}]})
    headers = httpx.Headers({"Retry-After": "5", "X-Business-Use-Case-Usage": usage})
    assert retry_after(headers) == 60.0


@pytest.mark.parametrize("value", ["soon", "-5", "nan", ""])
def test_a_garbled_retry_after_is_ignored(value: str) -> None:
    assert retry_after({"Retry-After": value}, now=datetime.now(UTC)) is None


def test_garbled_usage_headers_are_ignored() -> None:
    for value in [
        "not json",
        "[]",
        '{"1": "x"}',
        '{"1": [{"estimated_time_to_regain_access": 0}]}',
    ]:
        assert retry_after({"X-Business-Use-Case-Usage": value}) is None


def test_final_errors_carry_no_wait() -> None:
    error = classify_error(403, graph_error(10, 2534022), headers={"Retry-After": "30"})
    assert isinstance(error, SendFinal)
    assert not hasattr(error, "retry_after")


# -- transport failures ------------------------------------------------------------------------

REQUEST = httpx.Request("POST", "https://graph.instagram.com/v25.0/me/messages")


@pytest.mark.parametrize(
    ("exc", "kind", "reason"),
    [
        (httpx.ConnectError("refused", request=REQUEST), SendRetryable, "unreachable"),
        (httpx.ConnectTimeout("slow", request=REQUEST), SendRetryable, "connect_timeout"),
        (httpx.PoolTimeout("busy", request=REQUEST), SendRetryable, "connect_timeout"),
        (httpx.WriteError("broken", request=REQUEST), SendRetryable, "write_failed"),
        (httpx.WriteTimeout("slow", request=REQUEST), SendRetryable, "write_failed"),
        (httpx.ProxyError("proxy", request=REQUEST), SendRetryable, "proxy_error"),
        (httpx.ReadTimeout("slow", request=REQUEST), SendAmbiguous, "timeout"),
        (httpx.ReadError("reset", request=REQUEST), SendAmbiguous, "connection_lost"),
        (httpx.RemoteProtocolError("gone", request=REQUEST), SendAmbiguous, "connection_lost"),
        (httpx.DecodingError("gzip", request=REQUEST), SendAmbiguous, "malformed_success"),
        (httpx.UnsupportedProtocol("ftp", request=REQUEST), SendFinal, "bad_graph_url"),
        (httpx.InvalidURL("bad"), SendFinal, "bad_graph_url"),
        (httpx.LocalProtocolError("bad", request=REQUEST), SendFinal, "invalid_request"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else None,
)
def test_transport_failures_are_retryable_only_before_the_request_was_sent(exc, kind, reason):
    error = classify_transport_error(exc)
    assert type(error) is kind
    assert error.reason == reason
    assert error.code is None
    assert error.http_status is None
