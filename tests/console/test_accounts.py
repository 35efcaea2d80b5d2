"""The console's accounts page and the banners every page carries while an account is paused,
silent, or its token expires soon; /metrics' silence gauges. A real app on loopback with a
controllable clock; webhook deliveries arrive signed through the real webhook."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import SecretStr
from sqlalchemy import update

from bot.accounts import AccountStatus, AccountStore, Flavour, SecretBox, TokenKind, new_key
from bot.accounts.tables import InstagramAccount
from tests.bot.harness import ACCOUNT, Clock, Wismo
from tests.console.harness import OTHER_ACCOUNT, add_user, console_wismo, merchant
from tests.console.test_metrics import samples, scrape

ALERT = 'class="alert '


async def connect(
    wismo: Wismo,
    account_id: str,
    username: str,
    *,
    expires_in: timedelta | None = None,
    flavour: Flavour = Flavour.INSTAGRAM_LOGIN,
) -> None:
    store = AccountStore(
        wismo.sessions, SecretBox(SecretStr(new_key())), clock=lambda: datetime.now(UTC)
    )
    await store.connect(
        account_id,
        token=SecretStr(f"token-of-{account_id}"),
        graph_url="https://graph.facebook.com"
        if flavour is Flavour.FACEBOOK_LOGIN
        else "https://graph.instagram.com",
        token_kind=TokenKind.PAGE if flavour is Flavour.FACEBOOK_LOGIN else TokenKind.LONG_LIVED,
        username=username,
        token_expires_at=datetime.now(UTC) + expires_in if expires_in else None,
    )


async def pause(wismo: Wismo, account_id: str, reason: str, error: str) -> None:
    async with wismo.sessions() as session, session.begin():
        await session.execute(
            update(InstagramAccount)
            .where(InstagramAccount.account_id == account_id)
            .values(
                status=AccountStatus.PAUSED.value,
                status_reason=reason,
                last_error=error,
                last_error_at=datetime(2026, 12, 6, 8, 30, tzinfo=UTC),
            )
        )


async def test_the_accounts_page_lists_each_account_with_its_state(aiohttp_server, database_url):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        await connect(wismo, ACCOUNT, "fake_shop", expires_in=timedelta(days=40, hours=1))
        await connect(wismo, OTHER_ACCOUNT, "page_shop", flavour=Flavour.FACEBOOK_LOGIN)
        await pause(wismo, OTHER_ACCOUNT, "token_invalid", "(#190) Error validating access token")
        await wismo.say("7100000000000001", "where is my order?")  # a delivery for ACCOUNT
        await add_user(wismo, "ops", all_accounts=True)
        async with merchant(wismo) as ops:
            await ops.login("ops")
            page = await ops.page("/console/accounts")

    assert page.status_code == 200
    text = page.text
    for shown in (
        "@fake_shop",
        ACCOUNT,
        "Instagram Login",
        "40 days left",
        "@page_shop",
        "Facebook Login (Page)",
        "paused",
        "token_invalid",
        "(#190) Error validating access token",
        "2026-12-06 08:30 UTC",
        "none yet",  # page_shop never had a delivery
    ):
        assert shown in text, shown
    assert text.count(" ago</span>") == 1  # fake_shop's last delivery, moments ago
    assert "Instagram account @page_shop is paused" in text
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")


async def test_every_page_carries_a_banner_for_a_paused_silent_or_expiring_account(
    aiohttp_server, database_url
):
    clock = Clock()
    async with console_wismo(aiohttp_server, database_url, clock=clock) as wismo:
        await connect(wismo, ACCOUNT, "fake_shop", expires_in=timedelta(days=60))
        await add_user(wismo, "ops", all_accounts=True)

        async def pages(*paths: str) -> list[str]:
            async with merchant(wismo) as ops:  # logged in anew: the clock jumps past sessions
                await ops.login("ops")
                return [(await ops.page(path)).text for path in paths]

        assert ALERT not in (await pages("/console/conversations"))[0]

        await wismo.say("7100000000000001", "hello")
        clock.offset = timedelta(hours=49)  # longer than WISMO_SILENCE_ALERT_HOURS (48)
        paths = ("/console/conversations", "/console/handoffs", "/console/health")
        for path, text in zip(paths, await pages(*paths), strict=True):
            assert "No webhook delivery for @fake_shop for 2.0 days" in text, path
            assert "Connected tools" in text  # the likely causes
            assert '<a href="/console/accounts">' in text

        await wismo.say("7100000000000001", "still there?")  # deliveries resume
        clock.offset = timedelta(hours=49, minutes=2)
        assert ALERT not in (await pages("/console/figures"))[0]

        clock.offset = timedelta(days=54)  # 6 days before the token expires
        await wismo.say("7100000000000001", "and now?")
        clock.offset = timedelta(days=54, minutes=2)
        [text] = await pages("/console/conversations")
        assert "The access token of @fake_shop expires in 5 days" in text
        assert "No webhook delivery" not in text


async def test_no_alarm_for_an_account_that_never_had_a_delivery_or_with_the_alarm_off(
    aiohttp_server, database_url
):
    clock = Clock()
    async with console_wismo(
        aiohttp_server, database_url, clock=clock, WISMO_SILENCE_ALERT_HOURS="0"
    ) as wismo:
        await connect(wismo, ACCOUNT, "fake_shop")
        await connect(wismo, OTHER_ACCOUNT, "new_shop")
        await wismo.say("7100000000000001", "hello")
        clock.offset = timedelta(days=30)
        await add_user(wismo, "ops", all_accounts=True)
        async with merchant(wismo) as ops:
            await ops.login("ops")
            page = await ops.page("/console/accounts")
            assert ALERT not in page.text
            assert "silent</span>" not in page.text


async def test_a_user_sees_only_the_accounts_granted(aiohttp_server, database_url):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        await connect(wismo, ACCOUNT, "fake_shop")
        await connect(wismo, OTHER_ACCOUNT, "someone_elses_shop")
        await pause(wismo, OTHER_ACCOUNT, "token_invalid", "(#190) expired")
        await add_user(wismo, "anna", accounts=[ACCOUNT])
        async with merchant(wismo) as anna:
            await anna.login("anna")
            page = await anna.page("/console/accounts")
            conversations = await anna.page("/console/conversations")
    assert "@fake_shop" in page.text
    assert "someone_elses_shop" not in page.text + conversations.text


async def test_an_anonymous_visitor_is_sent_to_the_login_page(aiohttp_server, database_url):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        await connect(wismo, ACCOUNT, "fake_shop")
        async with merchant(wismo) as stranger:
            response = await stranger.http.get("/console/accounts")
    assert response.status_code == 303
    assert response.headers["Location"] == "/console/login?next=/console/accounts"


async def test_a_username_is_shown_as_text_never_as_markup(aiohttp_server, database_url):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        await connect(wismo, ACCOUNT, "<script>alert(1)</script>", expires_in=timedelta(days=2))
        await add_user(wismo, "ops", all_accounts=True)
        async with merchant(wismo) as ops:
            await ops.login("ops")
            page = await ops.page("/console/accounts")
    assert "<script>alert(1)</script>" not in page.text
    assert "@&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "The access token of @&lt;script&gt;" in page.text  # the banner too


async def test_metrics_show_each_accounts_silence_and_its_alarm(aiohttp_server, database_url):
    clock = Clock()
    async with console_wismo(aiohttp_server, database_url, clock=clock) as wismo:
        await connect(wismo, ACCOUNT, "fake_shop")
        await connect(wismo, OTHER_ACCOUNT, "new_shop")
        await wismo.say("7100000000000001", "hello")
        clock.offset = timedelta(hours=50)
        found = samples((await scrape(wismo.url)).text)

    alarm = "wismo_instagram_account_silence_alarm"
    assert found[(alarm, (("account", ACCOUNT),))] == 1.0
    assert found[(alarm, (("account", OTHER_ACCOUNT),))] == 0.0  # never had a delivery
    silent = found[("wismo_instagram_account_silent_seconds", (("account", ACCOUNT),))]
    assert 50 * 3600 - 60 < silent < 50 * 3600 + 60
    assert ("wismo_instagram_account_silent_seconds", (("account", OTHER_ACCOUNT),)) not in found
