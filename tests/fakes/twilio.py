"""FakeTwilio: Twilio's Messages API and its webhooks, served by aiohttp on 127.0.0.1.

What wismo calls and receives (docs/sms.md):

- ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP Basic auth (account SID
  and auth token) and the form fields ``To``, ``Body``, ``From`` or ``MessagingServiceSid``,
  ``StatusCallback``: 201 with the Message resource JSON (``sid`` "SM…", ``status``
  "queued", ``num_segments`` …); 401 (20003) on wrong credentials; 400 with 21211 for a ``To``
  that is not E.164, 21610 for a number on its opt-out list, 21602 without a body; 429 (20429)
  and 5xx as scripted with ``fail_next``. Errors carry Twilio's shape
  ``{"code", "message", "more_info", "status"}``.
- It signs the webhooks it sends as Twilio does (X-Twilio-Signature: base64 HMAC-SHA1 with
  the auth token over the URL and the sorted POST parameters): delivery status callbacks
  (``report``) and inbound texts (``text_in``). On its default English opt-out and opt-in
  words it keeps its own opt-out list like Twilio does on long codes, and with
  ``advanced_opt_out`` it adds ``OptOutType`` to the inbound webhook.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import httpx
from aiohttp import web

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "fake-twilio-auth-token"
FROM = "+15005550006"

STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
START_WORDS = frozenset({"START", "UNSTOP", "YES"})
HELP_WORDS = frozenset({"HELP", "INFO"})


def twilio_signature(url: str, params: Mapping[str, str], token: str) -> str:
    """Twilio's signature, computed here independently of wismo's code."""
    data = url
    for key in sorted(params):
        data += key + params[key]
    mac = hmac.new(token.encode("utf-8"), data.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status=status,
    )


@dataclass
class SentText:
    sid: str
    to: str
    body: str
    sender: str | None
    service: str | None
    status_callback: str | None


@dataclass
class FakeTwilio:
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    advanced_opt_out: bool = False
    url: str = ""
    sent: list[SentText] = field(default_factory=list)
    attempts: int = 0
    opted_out: set[str] = field(default_factory=set)
    # (public prefix, actual prefix): webhooks to URLs under the public prefix (what Twilio was
    # given, e.g. behind a reverse proxy) reach the actual one, signed over the public URL.
    proxy: tuple[str, str] | None = None
    _faults: list[tuple[int, int, dict[str, str]]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    # --- scripting -------------------------------------------------------------------------

    def fail_next(
        self, times: int, *, status: int = 429, code: int = 20429, retry_after: str | None = None
    ) -> None:
        """The next `times` sends answer `status` with Twilio error `code`."""
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        self._faults.extend([(status, code, headers)] * times)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{account}/Messages.json", self._create)
        return app

    # --- the Messages API ------------------------------------------------------------------

    def _authorised(self, request: web.Request, account: str) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        given = request.headers.get("Authorization", "")
        return account == self.account_sid and hmac.compare_digest(given, f"Basic {expected}")

    async def _create(self, request: web.Request) -> web.Response:
        self.attempts += 1
        if not self._authorised(request, request.match_info["account"]):
            return _error(401, 20003, "Authenticate")
        form = {key: str(value) for key, value in (await request.post()).items()}
        if self._faults:
            status, code, headers = self._faults.pop(0)
            response = _error(status, code, "scripted failure")
            response.headers.update(headers)
            return response
        refusal = self._refusal(form)
        if refusal is not None:
            return refusal
        sid = "SM" + secrets.token_hex(16)
        text = SentText(
            sid=sid,
            to=form["To"],
            body=form["Body"],
            sender=form.get("From"),
            service=form.get("MessagingServiceSid"),
            status_callback=form.get("StatusCallback"),
        )
        self.sent.append(text)
        return web.json_response(self._resource(text, "queued"), status=201)

    def _refusal(self, form: Mapping[str, str]) -> web.Response | None:
        to = form.get("To", "")
        if not to.startswith("+") or not to[1:].isdigit() or not 8 <= len(to) <= 16:
            return _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return _error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required")
        if not form.get("Body"):
            return _error(400, 21602, "Message body is required.")
        if to in self.opted_out:
            return _error(400, 21610, "Attempt to send to unsubscribed recipient")
        return None

    def _resource(self, text: SentText, status: str) -> dict[str, Any]:
        now = format_datetime(datetime.now(UTC), usegmt=True)
        path = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{text.sid}"
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": text.body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": text.sender,
            "messaging_service_sid": text.service,
            "num_media": "0",
            "num_segments": "0" if text.service else "1",
            "price": None,
            "price_unit": "USD",
            "sid": text.sid,
            "status": status,
            "subresource_uris": {"media": f"{path}/Media.json"},
            "to": text.to,
            "uri": f"{path}.json",
        }

    # --- webhooks it sends -----------------------------------------------------------------

    async def post_signed(
        self, url: str, params: Mapping[str, str], *, signature: str | None = None
    ) -> httpx.Response:
        """POST `params` as a form to `url`, signed (or with the given `signature`)."""
        headers = {
            "X-Twilio-Signature": signature or twilio_signature(url, params, self.auth_token)
        }
        target = url
        if self.proxy is not None and url.startswith(self.proxy[0]):
            target = self.proxy[1] + url.removeprefix(self.proxy[0])
        async with httpx.AsyncClient(timeout=10.0) as client:
            return await client.post(target, data=dict(params), headers=headers)

    async def report(
        self, text: SentText, status: str, *, error_code: int | None = None
    ) -> httpx.Response:
        """The delivery status callback Twilio posts to the text's StatusCallback."""
        assert text.status_callback, "the text was sent without a StatusCallback"
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "From": text.sender or FROM,
            "MessageSid": text.sid,
            "MessageStatus": status,
            "SmsSid": text.sid,
            "SmsStatus": status,
            "To": text.to,
        }
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        return await self.post_signed(text.status_callback, params)

    async def text_in(
        self, url: str, sender: str, body: str, *, signature: str | None = None
    ) -> httpx.Response:
        """A buyer texts `body` from `sender`: Twilio applies its own keywords, then posts the
        inbound webhook to `url`."""
        word = body.strip().upper()
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "Body": body,
            "From": sender,
            "MessageSid": "SM" + secrets.token_hex(16),
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsMessageSid": "SM" + secrets.token_hex(16),
            "To": FROM,
        }
        if word in STOP_WORDS:
            self.opted_out.add(sender)
        elif word in START_WORDS:
            self.opted_out.discard(sender)
        if self.advanced_opt_out:
            kind = (
                "STOP"
                if word in STOP_WORDS
                else "START"
                if word in START_WORDS
                else "HELP"
                if word in HELP_WORDS
                else None
            )
            if kind is not None:
                params["OptOutType"] = kind
        return await self.post_signed(url, params, signature=signature)


__all__ = ["ACCOUNT_SID", "AUTH_TOKEN", "FROM", "FakeTwilio", "SentText", "twilio_signature"]
