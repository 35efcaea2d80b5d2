"""A request body read with a size limit, for the routes that answer 413 to a larger one."""

from __future__ import annotations

from aiohttp import web


async def read_limited(request: web.Request, limit: int) -> bytes | None:
    """The whole body, or None as soon as it is known to exceed `limit` bytes: from its
    Content-Length before reading anything, else while reading (a chunked body), so nothing
    larger is buffered before being refused."""
    if request.content_length is not None and request.content_length > limit:
        return None
    body = bytearray()
    while chunk := await request.content.readany():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


__all__ = ["read_limited"]
