"""Test harness for proactive updates: a running wismo whose tracking source is a loopback
AfterShip, a scripted responder, and helpers that make a parcel's status change."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.app import keys
from bot.instagram.messages import text_messages
from bot.pipeline.dialogue_port import Reply, Turn
from bot.updates import is_stop_request
from bot.updates.tables import UpdateEmail, UpdateNotice, UpdateSubscription
from carriers.lookup import Found
from carriers.models import TrackingQuery
from conversations.models import Conversation
from tests.bot.harness import Clock, Wismo, running_wismo
from tests.carriers.aftership_server import AfterShipServer, reference_tracking

# AfterShip tags and subtags of each status we drive a parcel through.
TAGS = {
    "info_received": ("InfoReceived", "InfoReceived_001"),
    "in_transit": ("InTransit", "InTransit_002"),
    "out_for_delivery": ("OutForDelivery", "OutForDelivery_001"),
    "delivered": ("Delivered", "Delivered_001"),
    "failed_attempt": ("AttemptFail", "AttemptFail_001"),
    "available_for_pickup": ("AvailableForPickup", "AvailableForPickup_001"),
    "exception": ("Exception", "Exception_011"),
}

QUICK = {
    "WISMO_PROVIDERS": "aftership",
    "AFTERSHIP_API_KEY": "as-test-key",
    "WISMO_UPDATES_TICK_SECONDS": "0.05",
    "WISMO_UPDATES_BURST_SECONDS": "0",
    "WISMO_UPDATES_QUIET_HOURS": "off",
    "WISMO_UPDATES_POLL": "false",
    "WISMO_UPDATES_RATE": "200",
    "WISMO_UPDATES_IN_FLIGHT": "8",
}


class FollowingResponder:
    """Answers "track <number>" by following it, a stop request by stopping; else "ok"."""

    def __init__(self, language: str = "en") -> None:
        self.language = language

    async def respond(self, turn: Turn, conversation: Conversation) -> Reply:
        text = turn.text or ""
        if is_stop_request(turn.text, turn.payload):
            return Reply(messages=text_messages("stopped"), stop_updates=True)
        if text.startswith("track "):
            numbers = text.removeprefix("track ").split()
            return Reply(
                messages=text_messages(f"following {' '.join(numbers)}"),
                follow=numbers,
                language=self.language,
            )
        return Reply(messages=text_messages(f"answer to: {text}"), language=self.language)


def tracking(number: str, status: str, *, step: int = 0, country: str = "DEU") -> dict[str, Any]:
    """An AfterShip tracking of `number` in `status`, its newest scan `step` hours on."""
    body = copy.deepcopy(reference_tracking("in_transit"))
    tag, subtag = TAGS[status]
    body["tracking_number"] = number
    body["tag"], body["subtag"] = tag, subtag
    body["subtag_message"] = status.replace("_", " ")
    body["destination_country_region"] = country
    scan = datetime(2026, 11, 20, 8, 0, tzinfo=UTC) + timedelta(hours=step)
    checkpoint = copy.deepcopy(body["checkpoints"][-1])
    checkpoint.update(
        checkpoint_time=scan.isoformat(),
        created_at=scan.isoformat(),
        tag=tag,
        subtag=subtag,
        message=status.replace("_", " "),
    )
    body["checkpoints"] = [*body["checkpoints"], checkpoint]
    return body


@dataclass
class Shop:
    wismo: Wismo
    source: AfterShipServer
    clock: Clock

    async def set_status(self, number: str, status: str, *, step: int = 0, **extra: Any) -> None:
        """The carrier scans the parcel; wismo's tracking service refreshes it (a real call
        over HTTP to the loopback AfterShip), which records the status change."""
        self.source.trackings[number] = tracking(number, status, step=step, **extra)
        result = await self.wismo.app[keys.TRACKING].lookup(
            TrackingQuery(number=number), refresh=True
        )
        assert isinstance(result, Found), result

    async def notices(self, number: str | None = None) -> list[UpdateNotice]:
        async with self.wismo.sessions() as session:
            query = select(UpdateNotice).order_by(UpdateNotice.id)
            if number is not None:
                query = query.where(UpdateNotice.number == number)
            return list(await session.scalars(query))

    async def subscriptions(self) -> list[UpdateSubscription]:
        async with self.wismo.sessions() as session:
            query = select(UpdateSubscription).order_by(UpdateSubscription.id)
            return list(await session.scalars(query))

    async def emails(self) -> list[UpdateEmail]:
        async with self.wismo.sessions() as session:
            return list(await session.scalars(select(UpdateEmail).order_by(UpdateEmail.id)))

    def texts(self, igsid: str) -> list[str]:
        return [text or "" for text in self.wismo.delivered_to(igsid)]


@contextlib.asynccontextmanager
async def running_shop(
    aiohttp_server: Any,
    database_url: str,
    *,
    clock: Clock | None = None,
    language: str = "en",
    trackings: Sequence[dict[str, Any]] = (),
    **setting: str,
) -> AsyncIterator[Shop]:
    source = AfterShipServer(trackings={t["tracking_number"]: t for t in trackings})
    server = await aiohttp_server(source.app())
    clock = clock or Clock()
    options = {**QUICK, "AFTERSHIP_BASE_URL": str(server.make_url("")).rstrip("/"), **setting}
    async with running_wismo(
        aiohttp_server,
        database_url,
        responder=FollowingResponder(language),
        clock=clock,
        **options,
    ) as wismo:
        yield Shop(wismo, source, clock)
