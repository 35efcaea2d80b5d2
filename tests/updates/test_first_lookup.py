"""A buyer's first question about a number its source fills in only after registering it, end
to end through the real dialogue: the answer when the data comes within the reply budget, else
the honest "not found yet" and the first real status sent as an update once the source pushes it.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
from typing import Any

from aiohttp import web

from carriers.service import ServiceOptions
from tests.bot.harness import running_wismo, wait_until
from tests.carriers.aftership_server import AfterShipServer
from tests.updates.harness import QUICK, tracking

BUYER = "7100000000000701"
NUMBER = "YT2515300000000701"
SECRET = "aftership-webhook-secret"
# The reply budget's read-backs, shortened: the flow is the same as the default 0.5 + 1 + 1.5 s.
QUICK_READS = ServiceOptions(sweep_interval=None, first_read_delays=(0.01, 0.01, 0.01))


class FillingIn(AfterShipServer):
    """A loopback AfterShip that has the tracking only `after` listings past its creation."""

    def __init__(self, after: int) -> None:
        super().__init__()
        self.after = after
        self.listed_since_create = 0

    async def _list(self, request: web.Request) -> web.Response:
        if self.created:
            self.listed_since_create += 1
            if self.listed_since_create > self.after:
                self.trackings[NUMBER] = tracking(NUMBER, "in_transit")
        return await super()._list(request)


@contextlib.asynccontextmanager
async def _shop(
    aiohttp_server: Any, database_url: str, source: AfterShipServer, **setting: str
) -> Any:
    server = await aiohttp_server(source.app())
    settings = {
        **QUICK,
        "AFTERSHIP_BASE_URL": str(server.make_url("")).rstrip("/"),
        "AFTERSHIP_WEBHOOK_SECRET": SECRET,
        **setting,
    }
    async with running_wismo(
        aiohttp_server, database_url, dialogue=True, tracking_options=QUICK_READS, **settings
    ) as wismo:
        yield wismo


def _texts(wismo: Any) -> list[str]:
    return [text or "" for text in wismo.delivered_to(BUYER)]


async def _told(wismo: Any, words: str = "") -> bool:
    return any(words in text for text in _texts(wismo))


async def test_data_arriving_within_the_reply_budget_is_the_first_answer(
    aiohttp_server, database_url
):
    source = FillingIn(after=1)
    async with _shop(aiohttp_server, database_url, source) as wismo:
        await wismo.say(BUYER, f"where is my parcel {NUMBER}?")
        await wait_until(lambda: _told(wismo))

        [answer] = _texts(wismo)
        assert "can't find any tracking" not in answer
        assert NUMBER in answer
        assert source.created == [NUMBER]


async def test_no_data_within_the_budget_is_said_honestly_and_the_first_status_follows(
    aiohttp_server, database_url
):
    source = FillingIn(after=10_000)
    async with _shop(aiohttp_server, database_url, source) as wismo:
        await wismo.say(BUYER, f"where is my parcel {NUMBER}?")
        await wait_until(lambda: _told(wismo))
        [first] = _texts(wismo)
        assert "can't find any tracking" in first
        assert "if the first scan shows up within a day, I'll send it to you here" in first
        assert "check again later" not in first

        body = json.dumps({"event": "tracking_update", "msg": tracking(NUMBER, "in_transit")})
        signature = base64.b64encode(
            hmac.new(SECRET.encode(), body.encode(), hashlib.sha256).digest()
        )
        response = await wismo.http.post(
            wismo.url + "/webhooks/aftership",
            content=body.encode(),
            headers={"aftership-hmac-sha256": signature.decode()},
        )
        assert response.status_code == 200

        await wait_until(lambda: _told(wismo, "has shipped"))


async def test_without_first_news_updates_the_buyer_is_asked_to_check_again_later(
    aiohttp_server, database_url
):
    source = FillingIn(after=10_000)
    async with _shop(
        aiohttp_server, database_url, source, WISMO_UPDATES_MILESTONES="delivered"
    ) as wismo:
        await wismo.say(BUYER, f"where is my parcel {NUMBER}?")
        await wait_until(lambda: _told(wismo))
        [first] = _texts(wismo)
        assert "can't find any tracking" in first
        assert "check again later" in first
        assert "send it to you here" not in first
