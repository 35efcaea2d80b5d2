"""POST /webhooks/<source>: the tracking sources' push notifications, verified and applied.

The only module of the carriers package that speaks aiohttp. Each route reads the raw body (the
signatures are over the bytes as sent), lets the source's PushReceiver verify and parse it,
stores the shipments at once (one short transaction per shipment), and answers with the body the
source requires. 401 for a bad signature, 400 for a body of the wrong shape: neither is retried
usefully by the source, and neither touches the cache. 413 for a body over 1 MiB, declared or
chunked (read no further than the limit).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

from carriers.base import PushOutcome, PushReceiver
from carriers.errors import PushRejected
from foundation.bodies import read_limited

log = logging.getLogger(__name__)

ApplyPush = Callable[[str, PushOutcome], Awaitable[object]]

# Kuaidi100 pushes are small forms and the others single trackings; 1 MiB is ample.
MAX_PUSH_BYTES = 1024 * 1024


def push_path(source: str) -> str:
    return f"/webhooks/{source}"


def push_routes(receivers: Sequence[PushReceiver], apply: ApplyPush) -> web.RouteTableDef:
    """A route per receiver; `apply` is usually `TrackingService.apply_push`."""
    routes = web.RouteTableDef()
    for receiver in receivers:
        routes.post(push_path(receiver.source))(_handler(receiver, apply))
    return routes


def _handler(
    receiver: PushReceiver, apply: ApplyPush
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        body = await read_limited(request, MAX_PUSH_BYTES)
        if body is None:
            return web.json_response({"error": "body too large"}, status=413)
        try:
            outcome = receiver.receive(body, request.headers)
        except PushRejected as exc:
            log.warning("rejected %s push: %s", receiver.source, exc.reason)
            status = 401 if exc.bad_signature else 400
            return web.json_response({"error": exc.reason}, status=status)
        await apply(receiver.source, outcome)
        return web.Response(
            body=outcome.response_body.encode("utf-8"),
            status=outcome.response_status,
            content_type=outcome.response_content_type,
            charset="utf-8",
        )

    return handle
