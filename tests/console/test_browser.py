"""The console in a real headless Chromium: log in, search, read, answer, hand back, export.

Driven by Playwright against Debian's chromium (never a downloaded browser); screenshots of each
step at a phone's and a desktop's width go to test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conversations.console.auth import Authenticator
from tests.conftest import fresh_sqlite_url
from tests.console.harness import PASSWORD, add_user, console_wismo, seed_conversation

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium; "
        ".ci/run installs it)",
    ),
]
assert Authenticator  # the users below are created through it (harness.add_user)


@pytest.fixture
def browser_database(sqlite_template, tmp_path):
    return fresh_sqlite_url(sqlite_template, tmp_path)


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
async def test_a_merchant_logs_in_finds_reads_answers_hands_back_and_exports(
    aiohttp_server, browser_database, viewport
):
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    now = datetime.now(UTC)
    async with console_wismo(aiohttp_server, browser_database, workers=True) as wismo:
        await add_user(wismo, "anna")
        for number in range(6):
            await seed_conversation(
                wismo,
                username=f"buyer_{number}",
                buyer_text=f"hi, any news on order #20{number}?",
                references=[("order", f"20{number}")],
                at=now - timedelta(hours=number + 1),
            )
        waiting = await seed_conversation(
            wismo,
            username="maria.lopez",
            buyer_text="¿Dónde está mi pedido #1042? <b>urgente</b>",
            at=now - timedelta(days=2),
            handoff="buyer_asked",
            language="es",
        )
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=ARGS
            )
            try:
                context = await browser.new_context(
                    viewport=VIEWPORTS[viewport], accept_downloads=True
                )
                page = await context.new_page()

                async def shot(step: str) -> None:
                    await page.screenshot(
                        path=str(ARTIFACTS / f"console-{viewport}-{step}.png"), full_page=True
                    )

                await page.goto(wismo.url + "/console/conversations")
                assert page.url.endswith("/console/login?next=/console/conversations")
                await page.fill("input[name=username]", "anna")
                await page.fill("input[name=password]", PASSWORD)
                await shot("1-login")
                await page.click("button[type=submit]")
                await page.wait_for_url("**/console/conversations")
                assert await page.locator(".list li").count() == 7
                await shot("2-conversations")

                await page.fill("input[name=q]", "1042")
                await page.click("form.filters button[type=submit]")
                await page.wait_for_url("**q=1042**")
                assert await page.locator(".list li").count() == 1
                await shot("3-search")

                await page.click("text=@maria.lopez")
                await page.wait_for_url(f"**/console/conversations/{waiting.conversation_id}")
                buyer_text = await page.locator(".msg.buyer .text").first.inner_text()
                assert buyer_text == "¿Dónde está mi pedido #1042? <b>urgente</b>"
                assert await page.locator(".basis").count() == 1
                await shot("4-transcript")

                await page.fill("textarea[name=text]", "Hola María, soy Anna de la tienda.")
                await page.click("text=Send as a person")
                await page.wait_for_url("**notice=queued_human_agent")
                assert "HUMAN_AGENT" in await page.locator(".notice").inner_text()
                [sent] = await wismo.fake.wait_for_delivered(1)
                assert sent.tag == "HUMAN_AGENT"
                await page.reload()
                assert await page.locator(".msg.merchant").count() == 1
                await shot("5-replied")

                await page.click("text=Hand back to the bot")
                await page.wait_for_url("**notice=handed_back")
                assert await page.locator("text=Hand back to the bot").count() == 0
                await shot("6-handed-back")

                await page.goto(wismo.url + "/console/figures")
                await shot("7-figures")
                await page.goto(wismo.url + "/console/health")
                await shot("8-health")

                await page.goto(wismo.url + "/console/figures")
                async with page.expect_download() as waiting_download:
                    await page.click("text=Export CSV")
                download = await waiting_download.value
                saved = ARTIFACTS / f"console-{viewport}-export.csv"
                await download.save_as(str(saved))
                rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
                assert {row["username"] for row in rows} >= {"maria.lopez", "buyer_0"}
                assert any(row["author"] == "merchant" for row in rows)
                await context.close()
            finally:
                await browser.close()
        conversation = await wismo.conversation(waiting.igsid)
        assert conversation is not None
        assert not conversation.handed_off


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
async def test_the_accounts_page_and_its_banners_read_well(
    aiohttp_server, browser_database, viewport
):
    from playwright.async_api import async_playwright
    from pydantic import SecretStr
    from sqlalchemy import update

    from bot.accounts import AccountStatus, AccountStore, SecretBox, TokenKind, new_key
    from bot.accounts.tables import InstagramAccount
    from tests.bot.harness import ACCOUNT, Clock
    from tests.console.harness import OTHER_ACCOUNT

    ARTIFACTS.mkdir(exist_ok=True)
    clock = Clock()
    async with console_wismo(aiohttp_server, browser_database, clock=clock) as wismo:
        store = AccountStore(wismo.sessions, SecretBox(SecretStr(new_key())), clock=clock)
        for account_id, username, days in (
            (ACCOUNT, "fake_shop", 58),
            (OTHER_ACCOUNT, "shop_two", 100),
        ):
            await store.connect(
                account_id,
                token=SecretStr(f"token-of-{username}"),
                graph_url="https://graph.instagram.com",
                token_kind=TokenKind.LONG_LIVED,
                username=username,
                token_expires_at=clock() + timedelta(days=days),
            )
        async with wismo.sessions() as session, session.begin():
            await session.execute(
                update(InstagramAccount)
                .where(InstagramAccount.account_id == OTHER_ACCOUNT)
                .values(
                    status=AccountStatus.PAUSED.value,
                    status_reason="messaging_not_allowed",
                    last_error="(#10) Application does not have permission for this action (2534041)",
                    last_error_at=clock(),
                )
            )
        await wismo.say("7100000000000001", "hello")
        clock.offset = timedelta(days=52)  # fake_shop: silent, and its token has 6 days left
        await add_user(wismo, "anna", all_accounts=True)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=ARGS
            )
            try:
                context = await browser.new_context(viewport=VIEWPORTS[viewport])
                page = await context.new_page()
                await page.goto(wismo.url + "/console/accounts")
                await page.fill("input[name=username]", "anna")
                await page.fill("input[name=password]", PASSWORD)
                await page.click("button[type=submit]")
                await page.wait_for_url("**/console/accounts")
                assert await page.locator(".alert").count() == 3
                assert await page.locator("table.accounts tbody tr").count() == 2
                assert await page.locator(".alert details[open] li").count() == 5
                await page.screenshot(
                    path=str(ARTIFACTS / f"console-{viewport}-9-accounts.png"), full_page=True
                )
                await page.goto(wismo.url + "/console/conversations")
                assert await page.locator(".alert").count() == 3
                await page.screenshot(
                    path=str(ARTIFACTS / f"console-{viewport}-10-banner.png"), full_page=True
                )
                await context.close()
            finally:
                await browser.close()
