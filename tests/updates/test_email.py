"""Update emails through a real SMTP server on 127.0.0.1, and the unsubscribe link that works."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import aiosmtplib
import pytest
from sqlalchemy import select

from bot.updates.email import EmailSender
from bot.updates.tables import UpdateEmail
from stores.models import Order, OrderParcel, StoreKind
from stores.repository import OrderRepository
from tests.bot.harness import wait_until
from tests.updates.harness import running_shop
from tests.updates.smtp import parts, smtp_server

BUYER = "7100000000000011"
NUMBER = "YT2515300000000201"
ADDRESS = "buyer@example.com"


def _email_settings(port: int) -> dict[str, str]:
    return {
        "WISMO_UPDATES_EMAIL": "true",
        "WISMO_SMTP_HOST": "127.0.0.1",
        "WISMO_SMTP_PORT": str(port),
        "WISMO_SMTP_TLS": "none",
        "WISMO_EMAIL_FROM": "Test Shop <updates@shop.example>",
        "WISMO_UNSUBSCRIBE_SECRET": "unsubscribe-secret",
        "WISMO_PUBLIC_URL": "https://shop.example",
        "WISMO_EMAIL_RATE": "100",
    }


async def _order(shop, number: str = NUMBER, email: str | None = ADDRESS) -> None:
    await OrderRepository(shop.wismo.sessions).upsert(
        [
            Order(
                order_number="1042",
                source=StoreKind.CSV,
                parcels=(OrderParcel(tracking_number=number),),
                email=email,
                updated_at=datetime(2026, 11, 1, tzinfo=UTC),
            )
        ]
    )


async def _follow(shop, language_text: str = "track") -> None:
    await shop.wismo.say(BUYER, f"{language_text} {NUMBER}")
    await wait_until(lambda: _any(shop, "following"))


async def _any(shop, text: str) -> bool:
    return any(text in t for t in shop.texts(BUYER))


async def test_an_update_email_goes_in_the_buyers_language_with_text_html_and_unsubscribe(
    aiohttp_server, database_url
):
    with smtp_server() as (mailbox, port):
        async with running_shop(
            aiohttp_server, database_url, language="es", **_email_settings(port)
        ) as shop:
            await _order(shop)
            await _follow(shop)
            await shop.set_status(NUMBER, "in_transit")
            await wait_until(lambda: _count(mailbox, 1))
            [message] = mailbox.messages
            assert mailbox.recipients == [[ADDRESS]]
            assert message["Subject"] == f"Novedades sobre tu paquete {NUMBER}"
            assert message["From"] == "Test Shop <updates@shop.example>"
            bodies = parts(message)
            assert NUMBER in bodies["text/plain"]
            assert "Date de baja" in bodies["text/plain"]
            assert '<html lang="es"' in bodies["text/html"]
            link = _unsubscribe_link(message)
            assert link.startswith("https://shop.example/updates/unsubscribe?token=")
            assert f'href="{link}"' in bodies["text/html"]
            assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            await wait_until(lambda: _email_states(shop, ["sent"]))
            # The DM went too: email is a second channel, not instead.
            await wait_until(lambda: _any(shop, NUMBER))


async def test_the_unsubscribe_link_stops_emails_but_not_dms(aiohttp_server, database_url):
    with smtp_server() as (mailbox, port):
        async with running_shop(aiohttp_server, database_url, **_email_settings(port)) as shop:
            await _order(shop)
            await _follow(shop)
            await shop.set_status(NUMBER, "in_transit", step=1)
            await wait_until(lambda: _count(mailbox, 1))
            link = urlsplit(_unsubscribe_link(mailbox.messages[0]))
            url = f"{shop.wismo.url}{link.path}?{link.query}"
            # Opening the link (a mail scanner, a prefetcher, the buyer) only asks.
            for _ in range(2):
                asked = await shop.wismo.http.get(url)
                assert asked.status_code == 200
                assert f"Stop the emails about your parcel {NUMBER}?" in asked.text
                assert '<form method="post"><button type="submit">Unsubscribe</button>' in (
                    asked.text
                )
            [subscription] = await shop.subscriptions()
            assert subscription.email_stopped_at is None
            # The page's button, or a mail app's RFC 8058 one-click, POSTs to the same URL.
            page = await shop.wismo.http.post(url, content=b"List-Unsubscribe=One-Click")
            assert page.status_code == 200
            assert f"you won't get any more emails about your parcel {NUMBER}" in page.text
            again = await shop.wismo.http.post(url)
            assert again.status_code == 200  # idempotent
            [subscription] = await shop.subscriptions()
            assert subscription.email_stopped_at is not None
            assert subscription.stopped_at is None

            await shop.set_status(NUMBER, "out_for_delivery", step=2)
            await wait_until(lambda: _any(shop, "out for delivery"))
            await shop.wismo.wait_settled()
            assert len(mailbox.messages) == 1
            channels = [(n.channel, n.milestone) for n in await shop.notices(NUMBER)]
            assert ("email", "out_for_delivery") not in channels
            assert ("dm", "out_for_delivery") in channels


async def test_a_forged_or_cut_unsubscribe_link_changes_nothing(aiohttp_server, database_url):
    with smtp_server() as (_mailbox, port):
        async with running_shop(aiohttp_server, database_url, **_email_settings(port)) as shop:
            await _order(shop)
            await _follow(shop)
            for token in ("1.AAAAAAAAAAAAAAAAAAAAAA", "1", "", "x.y"):
                for method in ("GET", "POST"):
                    page = await shop.wismo.http.request(
                        method, f"{shop.wismo.url}/updates/unsubscribe", params={"token": token}
                    )
                    assert page.status_code == 400
                    assert "isn't valid" in page.text
                    assert "<form" not in page.text
            [subscription] = await shop.subscriptions()
            assert subscription.email_stopped_at is None


async def test_an_order_without_email_gets_dms_only(aiohttp_server, database_url):
    with smtp_server() as (mailbox, port):
        async with running_shop(aiohttp_server, database_url, **_email_settings(port)) as shop:
            await _order(shop, email=None)
            await _follow(shop)
            await shop.set_status(NUMBER, "in_transit")
            await wait_until(lambda: _any(shop, "has shipped"))
            await wait_until(lambda: _email_dropped(shop))
            assert mailbox.messages == []


async def _email_dropped(shop) -> bool:
    return [(n.channel, n.state, n.reason) for n in await shop.notices(NUMBER)] == [
        ("dm", "queued", None),
        ("email", "dropped", "no_email"),
    ]


async def _email_states(shop, states: list[str]) -> bool:
    return [row.state for row in await shop.emails()] == states


def _unsubscribe_link(message) -> str:
    return "".join(str(message["List-Unsubscribe"]).split()).strip("<>")


def _count(mailbox, count: int):
    async def check() -> bool:
        return len(mailbox.messages) >= count

    return check()


# The worker on its own: at most once, even across a crash ------------------------------------


class _Transport:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.sent = 0

    async def send(self, message) -> None:
        self.sent += 1
        if self.error is not None:
            raise self.error


def _row(now: datetime, **values) -> UpdateEmail:
    defaults = {
        "notice_id": 1,
        "recipient": ADDRESS,
        "subject": "s",
        "body_text": "t",
        "body_html": "<p>t</p>",
        "unsubscribe_url": "https://shop.example/u",
        "state": "queued",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    return UpdateEmail(**{**defaults, **values})


async def _states(sessions) -> list[tuple[str, str | None]]:
    async with sessions() as session:
        rows = await session.scalars(select(UpdateEmail).order_by(UpdateEmail.id))
        return [(row.state, row.reason) for row in rows]


async def test_an_email_caught_mid_send_by_a_crash_is_never_sent_again(sessions):
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        session.add(_row(now, state="sending", lease_until=now, lease_token="dead"))
    transport = _Transport()
    sender = EmailSender(sessions, transport, sender="s@shop.example", clock=lambda: now)
    assert await sender.recover(every_sending=True) == 1
    assert await sender.send_one() is False
    assert transport.sent == 0
    assert await _states(sessions) == [("unconfirmed", "interrupted")]


@pytest.mark.parametrize(
    ("error", "state"),
    [
        (aiosmtplib.SMTPServerDisconnected("cut off"), "unconfirmed"),
        (aiosmtplib.SMTPResponseException(554, "no"), "failed"),
        (aiosmtplib.SMTPResponseException(451, "later"), "queued"),
        (aiosmtplib.SMTPConnectError("refused"), "queued"),
    ],
)
async def test_an_smtp_failure_is_retried_only_when_nothing_can_have_been_delivered(
    sessions, error, state
):
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        session.add(_row(now))
    sender = EmailSender(sessions, _Transport(error), sender="s@shop.example", clock=lambda: now)
    assert await sender.send_one() is True
    [(found, _reason)] = await _states(sessions)
    assert found == state
