"""A running wismo with the real dialogue, the demo orders and the sandbox tracking source, and
a buyer who talks to it through signed webhooks while the fake Graph API captures the replies."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.devtools.chat import import_demo_orders
from bot.instagram.messages import QuickReply
from bot.replies.catalogs import load_catalogs
from conversations.models import Conversation, Message
from tests.bot.harness import Wismo, envelope, item, new_mid, running_wismo

CATALOGS = load_catalogs()
"""The reply catalogs, to write what wismo should answer in each language."""


@dataclass
class Buyer:
    """One buyer's side of a conversation with a running wismo."""

    wismo: Wismo
    igsid: str

    async def says(self, text: str) -> list[str]:
        """Send `text`; the texts wismo answered with, once everything is handled and sent."""
        before = len(self.wismo.fake.delivered)
        await self.wismo.say(self.igsid, text)
        return await self._answers(before)

    async def asks(self, text: str) -> str:
        """Send `text`; everything wismo answered, as one text (its messages joined)."""
        return "\n".join(await self.says(text))

    async def taps(self, reply: QuickReply) -> list[str]:
        """Tap a quick reply: Instagram sends its title as text and its payload."""
        before = len(self.wismo.fake.delivered)
        event = {"mid": new_mid(), "text": reply.title, "quick_reply": {"payload": reply.payload}}
        response = await self.wismo.post(envelope(item(self.igsid, event)))
        assert response.status_code == 200, response.text
        return await self._answers(before)

    async def _answers(self, before: int) -> list[str]:
        await self.wismo.wait_settled(timeout=30.0)
        answers = [
            message.message
            for message in self.wismo.fake.delivered[before:]
            if message.recipient_id == self.igsid
        ]
        for answer in answers:
            assert_within_instagram_limits(answer)
        return [str(answer.get("text") or "") for answer in answers]

    def delivered(self) -> list[dict[str, Any]]:
        """Every message delivered to this buyer, as the Send API received it."""
        return [
            dict(message.message)
            for message in self.wismo.fake.delivered
            if message.recipient_id == self.igsid
        ]

    def last_quick_replies(self) -> list[QuickReply]:
        """The quick replies under wismo's latest message to this buyer."""
        delivered = self.delivered()
        offered = delivered[-1].get("quick_replies") or [] if delivered else []
        return [QuickReply(title=q["title"], payload=q["payload"]) for q in offered]

    async def conversation(self) -> Conversation:
        found = await self.wismo.conversation(self.igsid)
        assert found is not None
        return found

    async def transcript(self) -> list[Message]:
        return await self.wismo.transcript(self.igsid)

    async def bot_replies(self) -> list[Message]:
        return [m for m in await self.transcript() if m.author.value == "bot"]


def assert_within_instagram_limits(message: Any) -> None:
    """Every message wismo sends fits Instagram: 1000 UTF-8 bytes, 13 quick replies of 20."""
    assert len(str(message.get("text") or "").encode("utf-8")) <= 1000
    quick = message.get("quick_replies") or []
    assert len(quick) <= 13
    assert all(len(q["title"]) <= 20 for q in quick)


async def import_demo_shop(wismo: Wismo) -> None:
    report = await import_demo_orders(wismo.sessions, lambda: datetime.now(UTC))
    assert not report.problems


@contextlib.asynccontextmanager
async def shop(aiohttp_server: Any, database_url: str, **setting: str) -> AsyncIterator[Wismo]:
    """wismo with the dialogue, the sandbox as its tracking source and the demo orders."""
    options = {"WISMO_PROVIDERS": "sandbox", **setting}
    async with running_wismo(aiohttp_server, database_url, dialogue=True, **options) as wismo:
        await import_demo_shop(wismo)
        yield wismo
