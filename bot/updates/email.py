"""Update emails: queued in `update_emails` with their notice, sent over SMTP at most once.

The queue (`EmailQueue`, the notifier's email channel) finds the order's email address in the
store's orders (stores.repository), composes the email in the buyer's language with a signed
unsubscribe link, and writes it in the notifier's transaction. The worker (`EmailSender`)
claims one due email at a time under a lease, paced by its own rate, and sends it with
aiosmtplib. What happens after a failure depends on whether the server may have taken the
message: refused before that (connection, a 4xx answer) → retried later with backoff; refused
for good (5xx) → failed; unknown (a timeout or disconnect mid-send, or a process that died
mid-send) → `unconfirmed`, never sent again, so nobody gets an update twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.replies.email import UpdateEmails
from bot.updates.leased import DEFAULT_PACING, LeasedSender, Pacing
from bot.updates.options import SmtpOptions
from bot.updates.subscriptions import Subscription
from bot.updates.tables import UNFINISHED_EMAIL_STATES, UpdateEmail, UpdateSubscription
from bot.updates.tokens import unsubscribe_token
from carriers.models import Shipment
from stores.repository import OrderRepository

log = logging.getLogger(__name__)

UNSUBSCRIBE_PATH = "/updates/unsubscribe"


class EmailDirectory(Protocol):
    """Where a parcel's email address comes from (the store's orders)."""

    async def email_for(self, number: str) -> str | None: ...


class OrdersDirectory:
    """The email of the newest order that has this tracking number (stores.repository)."""

    def __init__(self, orders: OrderRepository) -> None:
        self._orders = orders

    async def email_for(self, number: str) -> str | None:
        for order in await self._orders.by_tracking_number(number):
            if order.email:
                return str(order.email)
        return None


def unsubscribe_url(public_url: str, secret: bytes, subscription_id: int) -> str:
    token = unsubscribe_token(secret, subscription_id)
    return f"{public_url.rstrip('/')}{UNSUBSCRIBE_PATH}?token={token}"


class EmailQueue:
    """The notifier's email channel: composes and queues, in the caller's transaction."""

    def __init__(
        self,
        emails: UpdateEmails,
        directory: EmailDirectory,
        *,
        public_url: str,
        secret: bytes,
    ) -> None:
        self._emails = emails
        self._directory = directory
        self._public_url = public_url
        self._secret = secret

    async def queue(
        self,
        session: AsyncSession,
        *,
        notice_id: int,
        subscription: Subscription,
        shipment: Shipment,
        at: datetime,
    ) -> int | str:
        address = subscription.email or await self._directory.email_for(subscription.number)
        if not address:
            return "no_email"
        if subscription.email is None:
            await session.execute(
                update(UpdateSubscription)
                .where(UpdateSubscription.id == subscription.id)
                .values(email=address)
            )
            # An address unsubscribed through another parcel stays unsubscribed.
            stopped = await session.scalar(
                select(UpdateSubscription.id).where(
                    UpdateSubscription.email == address,
                    UpdateSubscription.email_stopped_at.is_not(None),
                )
            )
            if stopped is not None:
                return "unsubscribed"
        link = unsubscribe_url(self._public_url, self._secret, subscription.id)
        body = self._emails.update_email(subscription.language, shipment, unsubscribe_url=link)
        row = UpdateEmail(
            notice_id=notice_id,
            recipient=address,
            subject=body.subject[:255],
            body_text=body.text,
            body_html=body.html,
            unsubscribe_url=link,
            state="queued",
            attempts=0,
            next_attempt_at=at,
            created_at=at,
        )
        session.add(row)
        await session.flush()
        return row.id


def build_message(row: UpdateEmail, sender: str) -> EmailMessage:
    """The MIME message: plain text with an HTML alternative, and one-click unsubscribe
    headers (RFC 8058) that mail apps show as an "Unsubscribe" button."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Date"] = formatdate(localtime=False)
    domain = sender.rpartition("@")[2].strip(">") or "wismo.invalid"
    # One id per queued email: a receiving server that saw it already may drop a copy.
    message["Message-ID"] = make_msgid(idstring=f"update-{row.id}", domain=domain)
    message["List-Unsubscribe"] = f"<{row.unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body_text)
    message.add_alternative(row.body_html, subtype="html")
    return message


class SmtpTransport:
    """Sends one message through the configured SMTP server."""

    def __init__(self, options: SmtpOptions) -> None:
        self._options = options

    async def send(self, message: EmailMessage) -> None:
        """Raises aiosmtplib's errors as they come (EmailSender classifies them)."""
        import aiosmtplib  # only where email updates are on: a service without them never sends

        o = self._options
        await aiosmtplib.send(
            message,
            hostname=o.host,
            port=o.port,
            username=o.user,
            password=o.password,
            use_tls=o.tls == "tls",
            start_tls=o.tls == "starttls",
            timeout=o.timeout,
        )


class Transport(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class EmailSender(LeasedSender):
    table = UpdateEmail
    unfinished_states = UNFINISHED_EMAIL_STATES

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        transport: Transport,
        *,
        sender: str,
        clock: Callable[[], datetime],
        pacing: Pacing = DEFAULT_PACING,
    ) -> None:
        super().__init__(sessions, clock=clock, pacing=pacing)
        self._transport = transport
        self._sender = sender

    async def _claim(self, token: str) -> UpdateEmail | None:
        """The next due email, leased under `token`; None when none is due."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            email_id = await session.scalar(self._due(session, UpdateEmail.id, now))
            if email_id is None:
                return None
            await session.execute(
                update(UpdateEmail)
                .where(UpdateEmail.id == email_id, UpdateEmail.state == "queued")
                .values(
                    state="sending",
                    lease_token=token,
                    lease_until=now + self._lease,
                    attempts=UpdateEmail.attempts + 1,
                )
            )
            row = await session.get(UpdateEmail, email_id, populate_existing=True)
            assert row is not None
        return row

    async def _deliver(self, row: UpdateEmail, token: str) -> None:
        """Send the leased email and record how it went: sent, retried, failed or unconfirmed."""
        import aiosmtplib

        try:
            await self._transport.send(build_message(row, self._sender))
        except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPConnectTimeoutError) as exc:
            await self._retry(row, token, f"connect: {type(exc).__name__}")
        except aiosmtplib.SMTPAuthenticationError:
            await self._retry(row, token, "smtp_auth_failed")
            log.error("updates: the SMTP server refused our login; check WISMO_SMTP_USER/PASSWORD")
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [error.code for error in exc.recipients]
            if all(400 <= code < 500 for code in codes):
                await self._retry(row, token, "recipient_deferred")
            else:
                await self._finish(row, token, "failed", "recipient_refused")
        except aiosmtplib.SMTPResponseException as exc:
            if 400 <= exc.code < 500:
                await self._retry(row, token, f"smtp_{exc.code}")
            else:
                await self._finish(row, token, "failed", f"smtp_{exc.code}")
        except (aiosmtplib.SMTPException, OSError) as exc:
            # Timed out or cut off mid-conversation: the server may have the message.
            await self._finish(row, token, "unconfirmed", type(exc).__name__[:64])
            log.warning("updates: email %s may or may not have gone out (%s)", row.id, exc)
        else:
            await self._finish(row, token, "sent", None)
            log.info("updates: sent email %s", row.id)

    async def _retry(self, row: UpdateEmail, token: str, reason: str) -> None:
        delay = self._backoff.delay(row.attempts, self._random)
        if delay is None:
            await self._finish(row, token, "failed", f"gave_up_{reason}"[:64])
            return
        await self._settle(
            row.id,
            token,
            state="queued",
            reason=reason[:64],
            next_attempt_at=self._clock() + timedelta(seconds=delay),
        )

    async def _finish(self, row: UpdateEmail, token: str, state: str, reason: str | None) -> None:
        now = self._clock()
        await self._settle(
            row.id, token, state=state, reason=reason, sent_at=now if state == "sent" else None
        )


__all__ = [
    "UNSUBSCRIBE_PATH",
    "EmailDirectory",
    "EmailQueue",
    "EmailSender",
    "OrdersDirectory",
    "SmtpTransport",
    "build_message",
    "unsubscribe_url",
]
