"""A loopback AfterShip (dated API) for the tracking service's integration tests.

It serves `GET /tracking/<version>/trackings?tracking_numbers=N` from the trackings it holds
(documented envelope, 4004-free empty listing when it has none), accepts `POST …/trackings`
(201, or 4003 when the tracking exists), counts every request, and can be told to fail or slow
down.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

DATA = Path(__file__).parent / "data" / "aftership" / "reference.json"


def reference_tracking(name: str = "in_transit") -> dict[str, Any]:
    cases = json.loads(DATA.read_text(encoding="utf-8"))["cases"]
    tracking: dict[str, Any] = next(case for case in cases if case["name"] == name)["body"]["data"]
    return tracking


@dataclass
class AfterShipServer:
    trackings: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)
    created: list[str] = field(default_factory=list)
    latency: float = 0.0
    failing: bool = False

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/tracking/{version}/trackings", self._list)
        app.router.add_post("/tracking/{version}/trackings", self._create)
        return app

    async def _list(self, request: web.Request) -> web.Response:
        self.requests["GET"] += 1
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.failing:
            return web.json_response({"meta": {"code": 503, "message": "down"}}, status=503)
        number = request.query.get("tracking_numbers", "")
        found = [self.trackings[number]] if number in self.trackings else []
        return web.json_response(
            {
                "meta": {"code": 200},
                "data": {"pagination": {"total": len(found)}, "trackings": found},
            }
        )

    async def _create(self, request: web.Request) -> web.Response:
        self.requests["POST"] += 1
        body = await request.json()
        number = body["tracking_number"]
        if number in self.trackings or number in self.created:
            return web.json_response(
                {"meta": {"code": 4003, "message": "Tracking already exists."}}, status=400
            )
        self.created.append(number)
        pending = {"tracking_number": number, "tag": "Pending", "subtag": "Pending_001"}
        return web.json_response({"meta": {"code": 201}, "data": pending}, status=201)
