"""The bot side of the console's ports: a person's reply through the outbox, tracking health.

conversations/console defines `ConsolePorts`; this is its implementation over the outbox, the
window policy, the inbox and the carriers package's tables (read directly, so the console works
whether or not this process runs the tracking service).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from datetime import datetime, timedelta

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.accounts import SHORTCUT_ID, AccountStore
from bot.app import keys
from bot.app.accounts import secret_box
from bot.app.console_connect import AccountConnector, BusinessLogin
from bot.app.settings import Settings
from bot.app.silence import DELIVERY_WATCH, DeliveryWatch, silence_threshold
from bot.app.tracking import source_name
from bot.errors import ConfigurationInvalid
from bot.instagram.messages import text_messages
from bot.instagram.window import WindowPolicy
from bot.pipeline.doorbell import Doorbell
from bot.pipeline.inbox import Inbox
from bot.pipeline.outbox import Outbox, Purpose
from bot.pipeline.tables import OutboxMessage
from bot.pipeline.voice import say
from bot.routes.metrics import Metrics, MetricsReads
from bot.sms.console import sms_of
from bot.updates.notifier import notices_of
from carriers.cache import ShipmentCache
from carriers.limits import DEFAULT_LIMITS, NEAR_QUOTA_SHARE, SourceLimits, parse_budgets
from carriers.models import Status
from carriers.tables import CachedShipment
from conversations.console import (
    CONTEXT,
    Authenticator,
    ConsoleContext,
    ConsoleOptions,
    LoginLimits,
    SessionPolicy,
)
from conversations.console.ports import (
    AccountHealth,
    Backlog,
    ConnectOutcome,
    ReplyWindow,
    SendOutcome,
    ShipmentIssue,
    SmsConsentView,
    SmsText,
    SourceStatus,
    UpdateNotice,
)
from conversations.models import Author
from conversations.store import ConversationStore

HANDOFF_REASON = "merchant_replied"  # the same reason as a reply typed in the Instagram app
_SETTLED = (Status.DELIVERED.value, Status.RETURNED.value, Status.EXPIRED.value)


def _issue(row: CachedShipment) -> ShipmentIssue:
    return ShipmentIssue(
        number=row.number,
        carrier=row.carrier,
        status=row.status,
        exception_reason=row.exception_reason,
        last_scan_at=row.last_scan_at,
        checked_at=row.checked_at,
    )


def listed_sources(settings: Settings) -> list[str]:
    """The sources WISMO_PROVIDERS names (unknown names are left to the tracking setup)."""
    names: list[str] = []
    for name in settings.providers:
        try:
            names.append(source_name(name))
        except ConfigurationInvalid:
            continue
    return list(dict.fromkeys(names))


def source_limits(settings: Settings) -> Mapping[str, SourceLimits]:
    try:
        return parse_budgets(settings.source_budgets, DEFAULT_LIMITS)
    except ValueError:
        return DEFAULT_LIMITS  # the tracking setup refuses the setting with the reason


class BotConsolePorts:
    """What the console asks of the bot, over the database the bot writes."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        inbox: Inbox,
        outbox: Outbox,
        *,
        clock: Callable[[], datetime],
        outbox_doorbell: Doorbell,
        sources: Sequence[str] = (),
        limits: Mapping[str, SourceLimits] = DEFAULT_LIMITS,
        window: WindowPolicy = WindowPolicy(),  # noqa: B008 (frozen value)
        watch: DeliveryWatch | None = None,
        connector: AccountConnector | None = None,
    ) -> None:
        self._sessions = sessions
        self._inbox = inbox
        self._outbox = outbox
        self._clock = clock
        self._doorbell = outbox_doorbell
        self._sources = tuple(sources)
        self._limits = limits
        self._window = window
        self._cache = ShipmentCache(sessions)
        # Listing accounts needs no token, so no SecretBox.
        self._accounts = AccountStore(sessions, None, clock=clock)
        self._watch = watch or DeliveryWatch(sessions, clock=clock, threshold=None)
        self._connector = connector

    def reply_window(self, last_buyer_at: datetime | None) -> ReplyWindow:
        decision = self._window.decide(Author.MERCHANT, last_buyer_at, self._clock())
        return ReplyWindow(
            allowed=decision.allowed,
            tag=decision.tag,
            reason=decision.reason,
            open_until=self._window.open_until(Author.MERCHANT, last_buyer_at),
        )

    async def send_as_person(
        self, conversation_id: int, text: str, *, author_ref: str, idempotency_key: str
    ) -> SendOutcome:
        now = self._clock()
        async with self._sessions() as session, session.begin():
            store = ConversationStore(session)
            conversation = await store.get(conversation_id)
            if conversation is None:
                return SendOutcome(False, reason="no_conversation")
            decision = self._window.decide(Author.MERCHANT, conversation.last_buyer_at, now)
            open_until = self._window.open_until(Author.MERCHANT, conversation.last_buyer_at)
            if not decision.allowed:
                return SendOutcome(False, reason=decision.reason, open_until=open_until)
            first_key = f"{idempotency_key}:0"
            if await session.scalar(
                select(OutboxMessage.id).where(OutboxMessage.idempotency_key == first_key)
            ):
                # The same form sent twice (a double click, a reload): it is queued already.
                return SendOutcome(True, tag=decision.tag, open_until=open_until)
            await say(
                session,
                self._outbox,
                conversation,
                text_messages(text),
                author=Author.MERCHANT,
                purpose=Purpose.MERCHANT,
                key=idempotency_key,
                at=now,
                author_ref=author_ref,
                # Past the window it is held rather than sent (the sender checks again).
                expires_at=open_until,
            )
            # A person is talking now: the bot stays quiet until handed back (or the quiet
            # period passes), as when they reply from the Instagram app.
            await store.hand_off(conversation.id, HANDOFF_REASON, now)
        self._doorbell.ring()
        return SendOutcome(True, tag=decision.tag, open_until=open_until)

    async def sources(self) -> Sequence[SourceStatus]:
        usage = await self._cache.usage(self._clock())
        names = list(dict.fromkeys([*self._sources, *sorted(usage)]))
        result = []
        for name in names:
            row = usage.get(name)
            budget = self._limits.get(name, SourceLimits()).daily_budget
            calls = row.calls if row else 0
            last_ok = row.last_success_at if row else None
            last_bad = row.last_failure_at if row else None
            result.append(
                SourceStatus(
                    source=name,
                    last_success_at=last_ok,
                    last_failure_at=last_bad,
                    last_failure_reason=row.last_failure_reason if row else None,
                    calls_today=calls,
                    failures_today=row.failures if row else 0,
                    daily_budget=budget,
                    failing=last_bad is not None and (last_ok is None or last_bad > last_ok),
                    near_quota=budget is not None and calls >= NEAR_QUOTA_SHARE * budget,
                )
            )
        return result

    async def exceptions(self) -> Sequence[ShipmentIssue]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(CachedShipment)
                .where(CachedShipment.status == Status.EXCEPTION.value)
                .order_by(CachedShipment.checked_at.desc())
                .limit(1000)
            )
            return [_issue(row) for row in rows]

    async def silent(self, since: datetime, limit: int) -> Sequence[ShipmentIssue]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(CachedShipment)
                .where(
                    CachedShipment.last_scan_at < since,
                    CachedShipment.status.not_in(_SETTLED),
                )
                .order_by(CachedShipment.last_scan_at)
                .limit(limit)
            )
            return [_issue(row) for row in rows]

    async def shipments(self, numbers: Collection[str]) -> Sequence[ShipmentIssue]:
        wanted = sorted({number for raw in numbers for number in (raw, raw.upper())})
        found: list[ShipmentIssue] = []
        async with self._sessions() as session:
            for start in range(0, len(wanted), 500):
                rows = await session.scalars(
                    select(CachedShipment).where(
                        CachedShipment.number.in_(wanted[start : start + 500])
                    )
                )
                found.extend(_issue(row) for row in rows)
        return found

    async def backlog(self) -> Backlog:
        inbox = await self._inbox.backlog()
        outbox = await self._outbox.backlog()
        return Backlog(
            inbox_pending=inbox.pending,
            inbox_oldest_at=inbox.oldest_received_at,
            outbox_unfinished=outbox.queued + outbox.sending + outbox.ambiguous,
            outbox_oldest_at=outbox.oldest_created_at,
        )

    async def accounts(self, scope: frozenset[str] | None) -> Sequence[AccountHealth]:
        found = [
            account
            for account in await self._accounts.accounts()
            if scope is None or account.account_id in scope or account.account_id == SHORTCUT_ID
        ]
        return [
            AccountHealth(
                account_id=quiet.account.account_id,
                username=quiet.account.username,
                flavour=quiet.account.flavour.value,
                status=quiet.account.status.value,
                status_reason=quiet.account.status_reason,
                token_expires_at=quiet.account.token_expires_at,
                last_error=quiet.account.last_error,
                last_error_at=quiet.account.last_error_at,
                last_delivery_at=quiet.last_delivery_at,
                silent_for=quiet.silent_for,
                usual_quiet=self._watch.threshold,
            )
            for quiet in await self._watch.quiet(found)
        ]

    async def updates(self, conversation_id: int) -> Sequence[UpdateNotice]:
        async with self._sessions() as session:
            rows = await notices_of(session, conversation_id)
        return [
            UpdateNotice(
                number=row.number,
                milestone=row.milestone,
                channel=row.channel,
                state=row.state,
                reason=row.reason,
                created_at=row.created_at,
                decided_at=row.decided_at,
            )
            for row in rows
        ]

    async def sms(self, conversation_id: int) -> tuple[SmsConsentView | None, Sequence[SmsText]]:
        async with self._sessions() as session:
            return await sms_of(session, conversation_id)

    async def connect_account(self, token: str, flavour: str, *, by: str) -> ConnectOutcome:
        if self._connector is None:
            return ConnectOutcome(False, problem="Connecting accounts is off on this server.")
        return await self._connector.connect(token, flavour, by=by)

    def oauth_url(self, state: str) -> str | None:
        return self._connector.oauth_url(state) if self._connector is not None else None

    async def connect_code(self, code: str, *, by: str) -> ConnectOutcome:
        if self._connector is None:
            return ConnectOutcome(False, problem="Connecting accounts is off on this server.")
        return await self._connector.connect_code(code, by=by)


def business_login(settings: Settings) -> BusinessLogin | None:
    """Instagram Business Login from the console, when META_APP_ID is set."""
    if not settings.meta_app_id:
        return None
    return BusinessLogin(
        app_id=settings.meta_app_id,
        token_url=settings.meta_oauth_token_url,
        public_url=settings.public_base_url,
    )


def console_options(settings: Settings) -> ConsoleOptions:
    token = settings.api_token
    return ConsoleOptions(
        trusted_proxies=frozenset(settings.trusted_proxies),
        api_token=token.get_secret_value().encode() if token is not None else None,
        stale_after=timedelta(days=settings.console_stale_days),
    )


def console_context(
    settings: Settings, *, clock: Callable[[], datetime], outbox_doorbell: Doorbell
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup_ctx step, appended after the database's: publishes what the console, the
    API and /metrics read (CONTEXT, keys.METRICS, DELIVERY_WATCH)."""

    async def step(app: web.Application) -> AsyncIterator[None]:
        sessions = app[keys.OFF_LOOP_SESSIONS]
        limits = source_limits(settings)
        watch = DeliveryWatch(sessions, clock=clock, threshold=silence_threshold(settings))
        app[DELIVERY_WATCH] = watch
        ports = BotConsolePorts(
            sessions,
            app[keys.INBOX],
            app[keys.OUTBOX],
            clock=clock,
            outbox_doorbell=outbox_doorbell,
            sources=listed_sources(settings),
            limits=limits,
            watch=watch,
            connector=AccountConnector(
                app[keys.HTTP],
                AccountStore(sessions, secret_box(settings), clock=clock),
                version=settings.meta_graph_version,
                app_secrets=settings.meta_app_secrets,
                graph_url=settings.meta_graph_url,
                clock=clock,
                login=business_login(settings),
            ),
        )
        auth = Authenticator(
            sessions,
            clock=clock,
            policy=SessionPolicy(
                idle=timedelta(minutes=settings.console_idle_minutes),
                absolute=timedelta(hours=settings.console_session_hours),
            ),
            limits=LoginLimits(
                per_account=settings.console_login_attempts,
                per_address=4 * settings.console_login_attempts,
            ),
        )
        app[CONTEXT] = ConsoleContext(
            sessions=sessions,
            auth=auth,
            ports=ports,
            clock=clock,
            options=console_options(settings),
        )
        app[keys.METRICS] = Metrics(
            MetricsReads(
                sessions, app[keys.INBOX], app[keys.OUTBOX], clock=clock, limits=limits, watch=watch
            )
        )
        yield

    return step


__all__ = [
    "BotConsolePorts",
    "business_login",
    "console_context",
    "console_options",
    "listed_sources",
    "source_limits",
]
