"""Classifies Send API failures as retryable, final or ambiguous from Meta's codes, never its text.

The tables follow docs/instagram.md, Errors (Error codes, Retry policy, Ambiguous sends). Meta
localises `message`, so only `code`, `error_subcode` and `is_transient` are read; the HTTP
status only matters when the body carries no Graph error (same page, HTTP status).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from bot.errors import (
    SendAccountBlocked,
    SendAmbiguous,
    SendError,
    SendFinal,
    SendRetryable,
    SendScope,
)

Outcome = Literal["retry", "final", "blocked", "ambiguous"]
"""`blocked`: final for this try, and every send from the account fails alike until the account
is fixed (SendAccountBlocked): the message is held and the account paused, not the message
failed."""


@dataclass(frozen=True, slots=True)
class _Rule:
    outcome: Outcome
    reason: str
    scope: SendScope = "message"


# (code, subcode) pairs whose meaning differs from the code alone.
_BY_CODE_AND_SUBCODE: Mapping[tuple[int, int], _Rule] = {
    (1, 1357046): _Rule("ambiguous", "invalid_json_reply"),
    (10, 2534022): _Rule("final", "window_closed", "recipient"),
    (10, 2018278): _Rule("final", "window_closed", "recipient"),
    (10, 2018065): _Rule("final", "window_closed", "recipient"),
    (10, 2018108): _Rule("final", "recipient_unavailable", "recipient"),
    (10, 1893063): _Rule("blocked", "account_restricted", "account"),
    (10, 2534077): _Rule("blocked", "account_not_connected", "account"),
    (100, 2534014): _Rule("final", "recipient_not_igsid", "recipient"),
    (100, 2534013): _Rule("blocked", "account_not_connected", "account"),
    (100, 2534015): _Rule("final", "invalid_message"),
    (100, 2534029): _Rule("blocked", "account_blocked", "account"),
    (100, 2534037): _Rule("final", "not_thread_owner", "recipient"),
    (100, 2018001): _Rule("final", "recipient_not_found", "recipient"),
    (100, 2018008): _Rule("final", "attachment_unreachable"),
    (100, 2018047): _Rule("final", "attachment_upload_failed"),
    (100, 2018109): _Rule("final", "attachment_too_large"),
    (200, 2534041): _Rule("blocked", "messaging_disabled_by_owner", "account"),
    (200, 1545041): _Rule("final", "recipient_unavailable", "recipient"),
    (551, 1545041): _Rule("final", "recipient_unavailable", "recipient"),
    (613, 2534040): _Rule("retry", "rate_limited", "account"),
    # Meta's warning about bothersome message-tag use: stop tagged sends, do not retry them.
    (613, 2018338): _Rule("final", "tag_misuse", "account"),
}

# Numbers the error-code page lists on their own: they mean the same as a code or a subcode.
_BY_NUMBER: Mapping[int, _Rule] = {
    2018300: _Rule("final", "not_thread_owner", "recipient"),
    2534068: _Rule("final", "multi_image_unsupported"),
    9000001: _Rule("final", "message_deleted"),
}

_BY_CODE: Mapping[int, _Rule] = {
    1: _Rule("retry", "unknown_error"),
    2: _Rule("retry", "service_unavailable"),
    4: _Rule("retry", "rate_limited", "account"),
    17: _Rule("retry", "rate_limited", "account"),
    32: _Rule("retry", "rate_limited", "account"),
    341: _Rule("retry", "rate_limited", "account"),
    613: _Rule("retry", "rate_limited", "account"),
    # Graph says "wait and retry", but only much later and for the whole account:
    # the message is held and the account paused until a probe send goes through.
    368: _Rule("blocked", "policy_blocked", "account"),
    10: _Rule("blocked", "permission_denied", "account"),
    100: _Rule("final", "invalid_request"),
    190: _Rule("blocked", "token_invalid", "account"),
    551: _Rule("final", "recipient_unavailable", "recipient"),
}

_PERMISSION = _Rule("blocked", "permission_missing", "account")  # codes 200–299

ACCOUNT_BLOCKED_REASONS: frozenset[str] = frozenset(
    rule.reason
    for rules in (_BY_CODE_AND_SUBCODE.values(), _BY_NUMBER.values(), _BY_CODE.values())
    for rule in rules
    if rule.outcome == "blocked"
) | {_PERMISSION.reason}
"""Every reason a SendAccountBlocked carries: a message held with one of these waits for its
account, not for its buyer (the sender's pause is read back from such rows)."""
_UNKNOWN_FINAL = _Rule("final", "rejected")
_UNKNOWN_TRANSIENT = _Rule("retry", "transient_error")
_SERVER_ERROR = _Rule("retry", "server_error")


# Read only from a Graph call that failed: built at the first such answer (defer_build).
class _GraphError(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)

    code: int
    error_subcode: int | None = None
    is_transient: bool | None = None
    fbtrace_id: str | None = None


class _GraphErrorBody(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)

    error: _GraphError


def _graph_error(body: bytes | Mapping[str, Any] | None) -> _GraphError | None:
    if body is None:
        return None
    try:
        if isinstance(body, bytes):
            return _GraphErrorBody.model_validate_json(body).error
        return _GraphErrorBody.model_validate(body).error
    except ValidationError:
        return None


def _rule_for(error: _GraphError, http_status: int) -> _Rule:
    code, subcode = error.code, error.error_subcode
    if subcode is not None and (code, subcode) in _BY_CODE_AND_SUBCODE:
        return _BY_CODE_AND_SUBCODE[code, subcode]
    if subcode is not None and subcode in _BY_NUMBER:
        return _BY_NUMBER[subcode]
    if code in _BY_NUMBER:
        return _BY_NUMBER[code]
    if code in _BY_CODE:
        return _BY_CODE[code]
    if 200 <= code <= 299:
        return _PERMISSION
    # Retry policy: retry 5xx "without a terminal error code"; Graph's is_transient says the same.
    if error.is_transient or http_status >= 500:
        return _UNKNOWN_TRANSIENT
    return _UNKNOWN_FINAL


def _rule_without_graph_error(http_status: int) -> _Rule:
    if 200 <= http_status < 300:
        # Meta answered success but not with a usable body: the message probably went out.
        return _Rule("ambiguous", "malformed_success")
    if http_status == 429:
        return _Rule("retry", "rate_limited", "account")
    if http_status == 408 or http_status >= 500:
        return _SERVER_ERROR
    return _Rule("final", "unexpected_http_status", "account")


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def _retry_after_header(value: str, now: datetime | None) -> float | None:
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    if now is None:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def _regain_access(value: str) -> float | None:
    """Seconds from X-Business-Use-Case-Usage's estimated_time_to_regain_access (minutes)."""
    try:
        usage = json.loads(value)
    except ValueError:
        return None
    if not isinstance(usage, dict):
        return None
    minutes = [
        entry.get("estimated_time_to_regain_access")
        for entries in usage.values()
        if isinstance(entries, list)
        for entry in entries
        if isinstance(entry, dict)
    ]
    waits = [float(m) for m in minutes if isinstance(m, int | float) and m > 0]
    return max(waits) * 60 if waits else None


def retry_after(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """The wait in seconds Meta asks for in `headers`, or None when it asks for none.

    Reads Retry-After (delta-seconds, or an HTTP date measured from `now`) and the
    estimated_time_to_regain_access of X-Business-Use-Case-Usage; the longer one wins.
    """
    waits = []
    if (value := _header(headers, "Retry-After")) is not None:
        waits.append(_retry_after_header(value.strip(), now))
    if (value := _header(headers, "X-Business-Use-Case-Usage")) is not None:
        waits.append(_regain_access(value))
    known = [wait for wait in waits if wait is not None]
    return max(known) if known else None


def _build(
    rule: _Rule,
    *,
    code: int | None,
    subcode: int | None,
    http_status: int | None,
    fbtrace_id: str | None,
    wait: float | None,
) -> SendError:
    common: dict[str, Any] = {
        "http_status": http_status,
        "fbtrace_id": fbtrace_id,
        "scope": rule.scope,
    }
    if rule.outcome == "retry":
        return SendRetryable(code, subcode, rule.reason, wait, **common)
    if rule.outcome == "ambiguous":
        return SendAmbiguous(code, subcode, rule.reason, **common)
    if rule.outcome == "blocked":
        return SendAccountBlocked(code, subcode, rule.reason, **common)
    return SendFinal(code, subcode, rule.reason, **common)


def classify_error(
    http_status: int,
    body: bytes | Mapping[str, Any] | None,
    *,
    headers: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> SendError:
    """Turn a Send API answer that is not a clean success into the error to raise.

    `body` is the raw response body or its parsed JSON (None when there was none); `headers`
    give the wait for a retryable error (see `retry_after`). A 2xx answer is passed here only
    when its body was unusable, which makes it ambiguous. Never raises.
    """
    error = _graph_error(body)
    if error is None:
        rule = _rule_without_graph_error(http_status)
        code = subcode = None
        fbtrace_id = None
    else:
        rule = _rule_for(error, http_status)
        code, subcode, fbtrace_id = error.code, error.error_subcode, error.fbtrace_id
    wait = (
        retry_after(headers, now=now) if headers is not None and rule.outcome == "retry" else None
    )
    return _build(
        rule,
        code=code,
        subcode=subcode,
        http_status=http_status,
        fbtrace_id=fbtrace_id,
        wait=wait,
    )


def classify_transport_error(exc: httpx.HTTPError | httpx.InvalidURL) -> SendError:
    """Turn an httpx failure into the error to raise, by whether Meta can have acted on it.

    Failures before the request was fully written (connecting, waiting for a pooled connection,
    writing) cannot have delivered anything and are retryable; failures while waiting for or
    reading the answer may hide a delivered message and are ambiguous. Never raises.
    """
    rule: _Rule
    match exc:
        case httpx.ConnectTimeout() | httpx.PoolTimeout():
            rule = _Rule("retry", "connect_timeout")
        case httpx.ConnectError():
            rule = _Rule("retry", "unreachable")
        case httpx.WriteTimeout() | httpx.WriteError():
            rule = _Rule("retry", "write_failed")
        case httpx.ProxyError():
            rule = _Rule("retry", "proxy_error")
        case httpx.ReadTimeout():
            rule = _Rule("ambiguous", "timeout")
        case httpx.ReadError() | httpx.RemoteProtocolError() | httpx.CloseError():
            rule = _Rule("ambiguous", "connection_lost")
        case httpx.DecodingError():
            rule = _Rule("ambiguous", "malformed_success")
        case httpx.TimeoutException():
            rule = _Rule("ambiguous", "timeout")
        case httpx.UnsupportedProtocol() | httpx.InvalidURL() | httpx.TooManyRedirects():
            rule = _Rule("final", "bad_graph_url", "account")
        case httpx.LocalProtocolError():
            rule = _Rule("final", "invalid_request")
        case _:
            rule = _Rule("ambiguous", "transport_error")
    return _build(rule, code=None, subcode=None, http_status=None, fbtrace_id=None, wait=None)


__all__ = [
    "ACCOUNT_BLOCKED_REASONS",
    "Outcome",
    "classify_error",
    "classify_transport_error",
    "retry_after",
]
