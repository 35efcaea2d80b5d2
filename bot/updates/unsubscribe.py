"""Unsubscriber: what the unsubscribe link does, and the page it answers with.

Opening the link (GET) only asks: mail scanners and link prefetchers open every link, so GET
never unsubscribes. The page's button, and a mail app's RFC 8058 one-click
(`List-Unsubscribe=One-Click`), POST to the same URL, which unsubscribes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.replies.email import UpdateEmails
from bot.updates.subscriptions import stop_email, subscription_by_id
from bot.updates.tokens import verified_subscription


@dataclass(frozen=True, slots=True)
class Page:
    status: int
    language: str | None
    text: str
    button: str | None = None  # a form that POSTs back to the page's own URL, with this label

    @property
    def html(self) -> str:
        language = escape(self.language or "en")
        direction = "rtl" if self.language == "ar" else "ltr"
        form = (
            f'<form method="post"><button type="submit">{escape(self.button)}</button></form>'
            if self.button
            else ""
        )
        return (
            f'<!DOCTYPE html><html lang="{language}" dir="{direction}"><head>'
            '<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
            '<meta name="robots" content="noindex">'
            f"<title>{escape(self.text, quote=False)}</title></head>"
            f"<body><p>{escape(self.text, quote=False)}</p>{form}</body></html>"
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

    async def confirm(self, token: str | None) -> Page:
        """The question the link opens to, with the button that unsubscribes; changes nothing.
        A token that is not ours says so (400)."""
        subscription_id = self._subscription_id(token)
        if subscription_id is None:
            return self._invalid()
        async with self._sessions() as session:
            found = await subscription_by_id(session, subscription_id)
        if found is None:
            return self._invalid()
        language = self._emails.language_of(found.language)
        question, button = self._emails.email_unsubscribe_question(language, found.number)
        return Page(200, language, question, button)

    async def unsubscribe(self, token: str | None) -> Page:
        """Stop emails for the token's subscription (and its address); idempotent. A token
        that is not ours changes nothing and says so (400)."""
        subscription_id = self._subscription_id(token)
        if subscription_id is None:
            return self._invalid()
        async with self._sessions() as session, session.begin():
            stopped = await stop_email(session, subscription_id, self._clock())
        if stopped is None:
            return self._invalid()
        language = self._emails.language_of(stopped.language)
        return Page(200, language, self._emails.email_unsubscribed(language, stopped.number))

    def _subscription_id(self, token: str | None) -> int | None:
        return verified_subscription(self._secret, token) if self._secret and token else None

    def _invalid(self) -> Page:
        return Page(400, None, self._emails.email_link_invalid(None))


__all__ = ["Page", "Unsubscriber"]
