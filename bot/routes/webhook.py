"""The Instagram webhook: GET handshake; POST verify, store in the spool, answer 200.

Nothing else happens before the answer (docs/instagram.md, Acknowledging fast): no Graph call, no
dialogue, no carrier. Meta disables a webhook that keeps failing or answering slowly.
"""

from __future__ import annotations

import asyncio
import hmac
import logging

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.app import keys
from bot.instagram.events import OFFLOAD_BYTES
from bot.instagram.signature import SIGNATURE_HEADER, signature_valid
from bot.pipeline.intake import Delivery
from bot.pipeline.unavailable import database_unavailable
from foundation.bodies import read_limited

log = logging.getLogger(__name__)

PATH = "/webhooks/instagram"
# The largest body accepted (docs/instagram.md, "Body size"): a batch of Meta's 1000 updates of
# about 8 KiB each. Read before the signature can be checked, so it bounds what anyone can
# make wismo buffer.
MAX_BODY_BYTES = 8 * 1024 * 1024

routes = web.RouteTableDef()


@routes.get(PATH)
async def handshake(request: web.Request) -> web.Response:
    """Meta's subscription check: echo `hub.challenge` as plain text when the token matches."""
    query = request.query
    expected = request.app[keys.SETTINGS].meta_verify_token.get_secret_value().encode()
    given = query.get("hub.verify_token", "").encode()
    challenge = query.get("hub.challenge")
    if (
        query.get("hub.mode") == "subscribe"
        and challenge is not None
        and hmac.compare_digest(given, expected)
    ):
        # text/plain, never HTML: the challenge is attacker-controlled (reflected XSS).
        return web.Response(text=challenge, content_type="text/plain")
    log.warning("webhook: refused a subscription handshake")
    return web.Response(status=403, text="forbidden", content_type="text/plain")


@routes.post(PATH)
async def receive(request: web.Request) -> web.Response:
    """Store a signed body in the spool and acknowledge it."""
    # The signature covers the raw bytes exactly as sent, so nothing may read them before.
    raw = await read_limited(request, MAX_BODY_BYTES)
    if raw is None:
        log.warning("webhook: refused a body over %s bytes", MAX_BODY_BYTES)
        return web.Response(status=413, text="body too large", content_type="text/plain")
    received_at = request.app[keys.CLOCK]()
    signature = request.headers.get(SIGNATURE_HEADER)
    secrets = request.app[keys.SIGNING_SECRETS]
    # Only the signature is checked here: a signed body wismo cannot use is acknowledged and
    # recorded as IGNORED by the spool's mover, never refused (bot/instagram/events.py,
    # parse_webhook), so reading it can wait until Meta has its answer.
    if len(raw) > OFFLOAD_BYTES:
        signed = await asyncio.to_thread(signature_valid, raw, signature, secrets)
    else:
        signed = signature_valid(raw, signature, secrets)
    if not signed:
        log.warning("webhook: refused a body with a missing or wrong signature")
        return web.Response(status=403, text="invalid signature", content_type="text/plain")
    try:
        await request.app[keys.INTAKE].submit(Delivery(raw, received_at))
    except Exception as exc:
        # The database cannot take it now (PostgreSQL starting or stopping, a lost connection,
        # SQLite locked, full or read-only), or the intake is closing: not acknowledged, so Meta
        # delivers it again (bot/pipeline/unavailable.py). Anything else is a bug: a 500.
        if not (database_unavailable(exc) or isinstance(exc, SQLAlchemyError | RuntimeError)):
            raise
        log.error("webhook: could not store a delivery (%s)", type(exc).__name__)
        return web.Response(status=503, text="try again", content_type="text/plain")
    log.debug("webhook: stored a delivery", extra={"bytes": len(raw)})
    return web.Response(text="EVENT_RECEIVED", content_type="text/plain")


__all__ = ["MAX_BODY_BYTES", "PATH", "routes"]
