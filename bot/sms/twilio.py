"""Twilio's Messages API over httpx, and the signature on its webhooks.

Sending: POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP Basic auth with the
account SID and auth token, form fields `To`, `Body`, `From` or `MessagingServiceSid`, and
`StatusCallback`. 201 answers with the Message resource (`sid`, `status`, `num_segments`);
errors answer with `{"code", "message", "more_info", "status"}`. docs/sms.md, Twilio's API.

Webhooks are form posts signed in `X-Twilio-Signature`: base64 of HMAC-SHA1, keyed with the
auth token, over the full URL Twilio called followed by every POST parameter's name and value,
sorted by name. docs/sms.md, Webhook signatures.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from bot.sms.errors import OutcomeUnknown, ProviderRejected, ProviderUnavailable, RecipientRefused
from bot.sms.provider import Accepted, InboundText, StatusReport

SIGNATURE_HEADER = "X-Twilio-Signature"
API_BASE = "https://api.twilio.com"

# Error codes that are about the recipient, not about us: never text that number again for
# this message (21610 also means the number opted out: it is recorded as stopped).
UNSUBSCRIBED = 21610
RECIPIENT_CODES = frozenset(
    {
        21211,  # invalid 'To' phone number
        21408,  # permission to send to this region not enabled
        21610,  # the recipient replied STOP (unsubscribed)
        21612,  # 'To' unreachable from this 'From'
        21614,  # 'To' is not a mobile number
        21635,  # 'To' cannot be a landline
    }
)


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sid: str
    status: str
    num_segments: str | int | None = None


class _Error(BaseModel):
    model_config = ConfigDict(extra="ignore")

    code: int | None = None
    message: str | None = None


def signature(url: str, params: Mapping[str, str], auth_token: str) -> str:
    """What Twilio puts in X-Twilio-Signature for a form post of `params` to `url`."""
    payload = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _refusal(response: httpx.Response) -> Exception:
    """The error a non-201 answer means (429 and 5xx: unavailable; a recipient's code: refused)."""
    try:
        error = _Error.model_validate_json(response.content)
    except ValidationError:
        error = _Error()
    status = response.status_code
    text = f"twilio answered {status}" + (f" (error {error.code})" if error.code else "")
    if status == 429 or status >= 500:
        return ProviderUnavailable(
            text, code=error.code, status=status, retry_after=_retry_after(response)
        )
    if error.code in RECIPIENT_CODES:
        return RecipientRefused(text, code=error.code, status=status)
    return ProviderRejected(text, code=error.code, status=status)


class Twilio:
    """Twilio's Messages API; sends from `sender` (a number) or a Messaging Service."""

    name = "twilio"

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        account_sid: str,
        auth_token: str,
        sender: str | None = None,
        messaging_service_sid: str | None = None,
        base_url: str = API_BASE,
    ) -> None:
        if not sender and not messaging_service_sid:
            raise ValueError("Twilio needs a From number or a Messaging Service SID")
        self._http = http
        self._account = account_sid
        self._token = auth_token
        self._sender = sender
        self._service = messaging_service_sid
        self._url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"

    async def send(self, to: str, body: str, *, status_callback: str | None) -> Accepted:
        form = {"To": to, "Body": body}
        if self._service:
            form["MessagingServiceSid"] = self._service
        else:
            assert self._sender is not None
            form["From"] = self._sender
        if status_callback:
            form["StatusCallback"] = status_callback
        try:
            response = await self._http.post(
                self._url, data=form, auth=(self._account, self._token)
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise ProviderUnavailable(f"twilio unreachable: {type(exc).__name__}") from exc
        except httpx.HTTPError as exc:
            # The request may have reached Twilio: sending it again could text twice.
            raise OutcomeUnknown(f"twilio did not answer: {type(exc).__name__}") from exc
        if response.status_code not in (200, 201):
            raise _refusal(response)
        try:
            message = _Message.model_validate_json(response.content)
        except ValidationError as exc:
            raise ProviderRejected("twilio answered 201 without a message resource") from exc
        segments = message.num_segments
        count = int(segments) if segments not in (None, "", "0", 0) else None
        return Accepted(message.sid, message.status, count)

    def signature_valid(self, url: str, params: Mapping[str, str], signature_: str | None) -> bool:
        if not signature_:
            return False
        expected = signature(url, params, self._token)
        return hmac.compare_digest(expected.encode(), signature_.encode())

    def inbound(self, params: Mapping[str, str]) -> InboundText | None:
        sid, sender = params.get("MessageSid") or params.get("SmsSid"), params.get("From")
        if not sid or not sender or params.get("AccountSid") not in (None, self._account):
            return None
        return InboundText(
            message_id=sid,
            sender=sender,
            recipient=params.get("To", ""),
            body=params.get("Body", ""),
            opt_out=(params.get("OptOutType") or "").upper() or None,
        )

    def status(self, params: Mapping[str, str]) -> StatusReport | None:
        sid = params.get("MessageSid") or params.get("SmsSid")
        status = params.get("MessageStatus") or params.get("SmsStatus")
        if not sid or not status or params.get("AccountSid") not in (None, self._account):
            return None
        code = params.get("ErrorCode", "")
        return StatusReport(
            message_id=sid,
            status=status.lower(),
            error_code=int(code) if code.isdigit() else None,
            recipient=params.get("To"),
        )


__all__ = [
    "API_BASE",
    "RECIPIENT_CODES",
    "SIGNATURE_HEADER",
    "UNSUBSCRIBED",
    "Twilio",
    "signature",
]
