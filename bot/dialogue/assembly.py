"""Settings → the dialogue responder with its parts (parser, orders, tracking, replies)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app.orders import order_lookup
from bot.app.settings import Settings
from bot.app.tracking import configured_sources
from bot.dialogue.handoff import Handoffs
from bot.dialogue.not_received import NotReceived
from bot.dialogue.orders import OrderFlow
from bot.dialogue.parcels import ParcelFlow
from bot.dialogue.responder import DialogueResponder
from bot.dialogue.shipping import ShippingFlow, load_table
from bot.dialogue.smalltalk import SmallTalk
from bot.dialogue.sms_opt_in import SmsOptIn
from bot.dialogue.verification import ProfileReader, Verifier
from bot.replies.catalogs import Catalogs
from bot.replies.chat import ChatReplies
from bot.replies.orders import OrderReplies
from bot.replies.shipping import ShippingReplies
from bot.replies.tracking import TrackingReplies
from bot.replies.updates import UpdateReplies
from bot.sms.wording import SmsWording
from bot.understanding import build_message_parser
from bot.updates.milestones import Milestone, parse_milestones
from carriers.lookup import TrackingLookup
from carriers.numbers.detector import load_detector
from stores.repository import OrderRepository


def sends_first_news(settings: Settings) -> bool:
    """Whether update DMs tell a followed parcel's first scan (so a reply may promise it).
    A bad milestone name is reported by the updates' own settings check, not here."""
    try:
        milestones = parse_milestones(settings.updates_milestones)
    except ValueError:
        return False
    return settings.updates_dm and Milestone.FIRST_NEWS in milestones


def build_dialogue(
    settings: Settings,
    *,
    http: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    tracking: TrackingLookup,
    clock: Callable[[], datetime],
    catalogs: Catalogs,
    profiles: ProfileReader | None = None,
) -> DialogueResponder:
    """The dialogue for these settings, replying from `catalogs`. Raises ConfigurationInvalid
    for a bad store setting or order pattern."""
    detector = load_detector()
    parser = build_message_parser(
        detector,
        order_shapes=settings.order_number_patterns,
        default_language=settings.default_language,
    )
    example = settings.order_example
    chat = ChatReplies(catalogs, clock, settings.store_name, order_example=example)
    order_replies = OrderReplies(catalogs, clock, order_example=example)
    handoffs = Handoffs(chat)
    parcels = ParcelFlow(
        detector,
        tracking,
        TrackingReplies(catalogs, clock, sends_first_news=sends_first_news(settings)),
        NotReceived(chat, handoffs),
        has_sources=bool(configured_sources(settings)),
    )
    verifier = Verifier(order_replies, handoffs, sessions, profiles=profiles, tracking=tracking)
    orders = OrderFlow(
        orders=order_lookup(settings, http, sessions, clock),
        repository=OrderRepository(sessions),
        parcels=parcels,
        verifier=verifier,
        replies=order_replies,
        chat=chat,
    )
    return DialogueResponder(
        parser=parser,
        parcels=parcels,
        orders=orders,
        handoffs=handoffs,
        small_talk=SmallTalk(
            chat, order_replies, thank_story_mentions=settings.story_mention_reply == "thanks"
        ),
        updates=UpdateReplies(catalogs, clock),
        clock=clock,
        shipping=ShippingFlow(
            ShippingReplies(catalogs),
            load_table(settings.delivery_times) if settings.delivery_times else None,
        ),
        sms=SmsOptIn(
            SmsWording(catalogs, clock, settings.store_name) if settings.updates_sms else None,
            catalogs,
            sessions,
            default_region=settings.sms_default_region,
        ),
    )


__all__ = ["build_dialogue", "sends_first_news"]
