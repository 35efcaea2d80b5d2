"""Unsubscriber: what the unsubscribe link does, and the page it answers with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.replies.email import UpdateEmails
from bot.updates.subscriptions import stop_email
from bot.updates.tokens import verified_subscription


@dataclass(frozen=True, slots=True)
class Page:
    status: int
    language: str | None
    text: str

    @property
    def html(self) -> str:
        language = escape(self.language or "en")
        direction = "rtl" if self.language == "ar" else "ltr"
        return (
            f'<!DOCTYPE html><html lang="{language}" dir="{direction}"><head>'
            '<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
            f"<title>{escape(self.text, quote=False)}</title></head>"
            f"<body><p>{escape(self.text, quote=False)}</p></body></html>"
        )


class Unsubscriber:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        emails: UpdateEmails,
        *,
        secret: bytes | None,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._emails = emails
        self._secret = secret
        self._clock = clock

    async def unsubscribe(self, token: str | None) -> Page:
        """Stop emails for the token's subscription (and its address); idempotent. A token
        that is not ours changes nothing and says so (400)."""
        subscription_id = (
            verified_subscription(self._secret, token) if self._secret and token else None
        )
        if subscription_id is None:
            return Page(400, None, self._emails.email_link_invalid(None))
        async with self._sessions() as session, session.begin():
            stopped = await stop_email(session, subscription_id, self._clock())
        if stopped is None:
            return Page(400, None, self._emails.email_link_invalid(None))
        language = self._emails.language_of(stopped.language)
        return Page(200, language, self._emails.email_unsubscribed(language, stopped.number))


__all__ = ["Page", "Unsubscriber"]
