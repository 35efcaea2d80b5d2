"""SMS opt-in in the DM: "text me updates at +1 415 555 0123", or the "Text me updates" button
and then the number.

A message opts in when it asks for texts (a cue word in one of the eight languages: "text",
"SMS", "texto", "短信", "رسالة نصية"…) and carries a phone number, or when it carries a number
within an hour of the bot asking for one (the button). The number is normalised to E.164
(bot/sms/phone.py) and refused when invalid; a number its owner stopped by STOP stays stopped
(only START from that phone lifts it). Like every flow this one only reads: the consent is
written by the reply's effect, with the reply. docs/sms.md, Consent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dialogue.exchange import Exchange
from bot.instagram.messages import QuickReply
from bot.replies.catalogs import Catalogs
from bot.replies.composer import ComposedReply, ReplyKind, compose
from bot.sms.consent import ConsentSource, forget_prompt, grant, of_phone, prompt, prompted_since
from bot.sms.errors import PhoneInvalid
from bot.sms.phone import display, find_number, masked, normalise
from bot.sms.queue import OPT_IN_CONFIRMATION, SMS_OPT_IN, queue_text
from bot.sms.wording import SmsWording
from conversations.models import Conversation

SMS_OPT_IN_PAYLOAD = SMS_OPT_IN
"""The "Text me updates" quick reply (offered under update DMs): ask for the mobile number."""

PROMPT_FOR = timedelta(hours=1)
"""A number sent this long after the bot asked for one is the answer to that question."""

_CUES = re.compile(
    r"\b(?:sms|texts?|texting|txt|texto|textos|mensajes? de texto|mensagens? de texto"
    r"|simsen|per sms)\b|短信|簡訊|简讯|短訊|رسال[ةه] نصي[ةه]|رسائل نصية|رسال[ةه] قصير[ةه]",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class RecordSmsConsent:
    """The buyer's opt-in to update texts at `phone` (E.164), from this conversation, and the
    text that confirms it (`welcome`: who writes, what for, HELP and STOP), queued with it."""

    phone: str
    source: ConsentSource
    welcome: str
    language: str

    async def apply(self, session: AsyncSession, conversation: Conversation, at: datetime) -> None:
        before = await of_phone(session, self.phone)
        consent = await grant(
            session,
            self.phone,
            source=self.source,
            at=at,
            conversation_id=conversation.id,
            language=self.language,
        )
        await forget_prompt(session, conversation.id)
        if consent.active and (before is None or before.conversation_id != conversation.id):
            queue_text(
                session,
                phone=self.phone,
                body=self.welcome,
                at=at,
                conversation_id=conversation.id,
                language=self.language,
                milestone=OPT_IN_CONFIRMATION,
            )


@dataclass(frozen=True, slots=True)
class RememberSmsPrompt:
    """The bot asked for the buyer's mobile number."""

    async def apply(self, session: AsyncSession, conversation: Conversation, at: datetime) -> None:
        await prompt(session, conversation.id, at)


class SmsOptIn:
    """The opt-in flow; `wording` is None when SMS updates are off (then it says so)."""

    def __init__(
        self,
        wording: SmsWording | None,
        catalogs: Catalogs,
        sessions: async_sessionmaker[AsyncSession],
        *,
        default_region: str | None = None,
    ) -> None:
        self._wording = wording
        self._catalogs = catalogs
        self._sessions = sessions
        self._region = default_region

    def button(self, language: str | None) -> QuickReply | None:
        """The "Text me updates" quick reply (None when SMS updates are off)."""
        if self._wording is None:
            return None
        return QuickReply(
            title=self._wording.phrase(language, "button"), payload=SMS_OPT_IN_PAYLOAD
        )

    async def applies(self, exchange: Exchange, text: str) -> bool:
        """Whether this message is an opt-in (or an attempt at one)."""
        if self._wording is None:
            # SMS updates are off, so the bot never asks for a number: only a message asking
            # for texts can be an attempt (and is told texts are off). Reading the cue first
            # spares every other message the phone number search (and its 1 MB library).
            return _CUES.search(text) is not None and find_number(text, self._region) is not None
        if find_number(text, self._region) is None:
            return False
        if _CUES.search(text):
            return True
        async with self._sessions() as session:
            since = exchange.now - PROMPT_FOR
            return await prompted_since(session, exchange.conversation.id, since)

    def ask(self, exchange: Exchange) -> ComposedReply:
        """The button was tapped: ask for the number (and remember that we asked)."""
        if self._wording is None:
            return self._say(exchange, "unavailable")
        exchange.effects.append(RememberSmsPrompt())
        exchange.based_on["sms"] = "asked_for_number"
        return self._say(exchange, "ask")

    async def opt_in(self, exchange: Exchange, text: str) -> ComposedReply:
        """Take the number in `text`: opted in, refused as invalid, or already stopped."""
        raw = find_number(text, self._region)
        if self._wording is None or raw is None:
            return self._say(exchange, "unavailable")
        try:
            phone = normalise(raw, self._region)
        except PhoneInvalid:
            exchange.effects.append(RememberSmsPrompt())
            exchange.based_on["sms"] = "invalid_number"
            return self._say(exchange, "invalid")
        async with self._sessions() as session:
            known = await of_phone(session, phone)
        exchange.based_on["sms_phone"] = masked(phone)
        if known is not None and not known.active:
            exchange.based_on["sms"] = "number_stopped"
            return self._say(exchange, "stopped")
        source = ConsentSource.DM if _CUES.search(text) else ConsentSource.QUICK_REPLY
        language = self._wording.language_of(exchange.language)
        welcome = self._wording.welcome(language)
        exchange.effects.append(RecordSmsConsent(phone, source, welcome, language))
        exchange.based_on["sms"] = "opted_in"
        return self._say(exchange, "opted_in", phone=display(phone))

    def _say(self, exchange: Exchange, key: str, **fields: str) -> ComposedReply:
        t = self._catalogs.translation(exchange.language)
        wording = self._wording or SmsWording(self._catalogs, lambda: exchange.now, "")
        return compose(ReplyKind.OTHER, t, [wording.phrase(t.language, key, **fields)], [])


__all__ = ["PROMPT_FOR", "SMS_OPT_IN_PAYLOAD", "RecordSmsConsent", "RememberSmsPrompt", "SmsOptIn"]
