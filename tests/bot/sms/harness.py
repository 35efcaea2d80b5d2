"""A running shop (tests/updates/harness.py) with SMS updates through a fake Twilio."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from bot.sms.consent import Consent, ConsentSource, grant, of_phone
from bot.sms.options import INBOUND_PATH
from bot.sms.tables import SmsMessage, SmsStatusEvent
from tests.bot.harness import wait_until
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM, FakeTwilio, SentText
from tests.updates.harness import Shop, running_shop

PUBLIC = "https://shop.example"
BUYER = "7100000000000042"
PHONE = "+14155550123"
NUMBER = "YT2515300000000301"

SMS = {
    "WISMO_UPDATES_SMS": "true",
    "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
    "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
    "TWILIO_FROM": FROM,
    "WISMO_PUBLIC_URL": PUBLIC,
    "WISMO_SMS_RATE": "100",
}


@dataclass
class SmsShop:
    shop: Shop
    twilio: FakeTwilio

    async def follow(self, number: str = NUMBER, igsid: str = BUYER) -> None:
        await self.shop.wismo.say(igsid, f"track {number}")
        await wait_until(lambda: self._told(igsid, f"following {number}"))

    async def _told(self, igsid: str, text: str) -> bool:
        return any(text in told for told in self.shop.texts(igsid))

    async def opt_in(self, phone: str = PHONE, igsid: str = BUYER) -> Consent:
        """The buyer's conversation opts in with `phone` (what the DM flow's effect records)."""
        conversation = await self.shop.wismo.conversation(igsid)
        assert conversation is not None
        async with self.shop.wismo.sessions() as session, session.begin():
            return await grant(
                session,
                phone,
                source=ConsentSource.DM,
                at=self.shop.clock(),
                conversation_id=conversation.id,
            )

    async def consent(self, phone: str = PHONE) -> Consent | None:
        async with self.shop.wismo.sessions() as session:
            return await of_phone(session, phone)

    async def texts(self) -> list[SmsMessage]:
        async with self.shop.wismo.sessions() as session:
            return list(await session.scalars(select(SmsMessage).order_by(SmsMessage.id)))

    async def events(self) -> list[SmsStatusEvent]:
        async with self.shop.wismo.sessions() as session:
            rows = await session.scalars(select(SmsStatusEvent).order_by(SmsStatusEvent.id))
            return list(rows)

    async def wait_sent(self, count: int) -> None:
        async def sent() -> bool:
            return len(self.twilio.sent) >= count

        await wait_until(sent)

    async def wait_texts(self, **expected: Any) -> SmsMessage:
        """Wait for the newest text to have these column values; returns it."""

        async def matches() -> bool:
            rows = await self.texts()
            return bool(rows) and all(
                getattr(rows[-1], key) == value for key, value in expected.items()
            )

        await wait_until(matches)
        return (await self.texts())[-1]

    async def first_text_sent(self) -> SentText:
        """The buyer follows NUMBER and opts in; it ships; its text is sent (returned)."""
        await self.follow()
        await self.opt_in()
        await self.shop.set_status(NUMBER, "in_transit")
        await self.wait_sent(1)
        await self.wait_texts(state="sent")
        return self.twilio.sent[0]

    async def text_in(self, body: str, phone: str = PHONE, **options: Any) -> httpx.Response:
        return await self.twilio.text_in(PUBLIC + INBOUND_PATH, phone, body, **options)


@contextlib.asynccontextmanager
async def running_sms_shop(
    aiohttp_server: Any, database_url: str, *, twilio: FakeTwilio | None = None, **setting: str
) -> AsyncIterator[SmsShop]:
    twilio = twilio or FakeTwilio()
    server = await aiohttp_server(twilio.app())
    options = {**SMS, "TWILIO_BASE_URL": str(server.make_url("")).rstrip("/"), **setting}
    async with running_shop(aiohttp_server, database_url, **options) as shop:
        twilio.proxy = (PUBLIC, shop.wismo.url)
        yield SmsShop(shop, twilio)
