"""POST /sms/twilio/inbound and /sms/twilio/status: Twilio's webhooks for the SMS channel.

Each checks X-Twilio-Signature against the URL Twilio was given (WISMO_PUBLIC_URL and the
path, query included) and the form parameters, refuses with 403 when it does not match, and
hands the parameters to the SmsWebhooks (bot/sms/inbound.py). The inbound answer is TwiML: a
`<Message>` for a keyword's answer, or an empty `<Response/>`. docs/sms.md, Webhooks.
"""

from __future__ import annotations

import logging
from html import escape
from typing import TYPE_CHECKING

from aiohttp import web

from bot.app import keys
from bot.sms.options import INBOUND_PATH, STATUS_PATH

if TYPE_CHECKING:
    from bot.sms.inbound import SmsWebhooks

log = logging.getLogger(__name__)

# Published by the SMS channel's start-up step; a shop without SMS loads none of its modules.
SMS_WEBHOOKS: web.AppKey[SmsWebhooks] = web.AppKey("sms_webhooks")

routes = web.RouteTableDef()


def _twiml(message: str | None) -> web.Response:
    inner = f"<Message>{escape(message, quote=False)}</Message>" if message else ""
    body = f'<?xml version="1.0" encoding="UTF-8"?><Response>{inner}</Response>'
    return web.Response(text=body, content_type="text/xml", charset="utf-8")


async def _verified(request: web.Request) -> tuple[SmsWebhooks, dict[str, str]] | web.Response:
    """The webhooks and the form's parameters; or the response refusing the request."""
    webhooks = request.app.get(SMS_WEBHOOKS)
    if webhooks is None:
        return web.Response(status=404, text="SMS is not enabled", content_type="text/plain")
    # Loaded already: the channel that published the webhooks sends through Twilio.
    from bot.sms.twilio import SIGNATURE_HEADER

    form = await request.post()
    params = {name: value for name, value in form.items() if isinstance(value, str)}
    url = request.app[keys.SETTINGS].public_base_url.rstrip("/") + request.path_qs
    if not webhooks.signature_valid(url, params, request.headers.get(SIGNATURE_HEADER)):
        log.warning("sms: refused a webhook with a missing or wrong signature")
        return web.Response(status=403, text="invalid signature", content_type="text/plain")
    return webhooks, params


@routes.post(INBOUND_PATH)
async def inbound(request: web.Request) -> web.Response:
    verified = await _verified(request)
    if isinstance(verified, web.Response):
        return verified
    webhooks, params = verified
    return _twiml(await webhooks.inbound(params))


@routes.post(STATUS_PATH)
async def status(request: web.Request) -> web.Response:
    verified = await _verified(request)
    if isinstance(verified, web.Response):
        return verified
    webhooks, params = verified
    if not await webhooks.status(params):
        return web.Response(status=400, text="not a status callback", content_type="text/plain")
    return web.Response(status=204)


__all__ = ["SMS_WEBHOOKS", "routes"]
