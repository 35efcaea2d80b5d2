"""A conversation's page shows its SMS consent and texts, failures with what their code
means; /metrics counts the texts by state and failure code."""

from __future__ import annotations

from tests.bot.sms.harness import NUMBER, PHONE, running_sms_shop
from tests.console.harness import METRICS_TOKEN, add_user, merchant

SECOND = "YT2515300000000303"


async def test_texts_and_their_failures_show_on_the_page_and_in_metrics(
    aiohttp_server, database_url
):
    async with running_sms_shop(
        aiohttp_server, database_url, WISMO_METRICS_TOKEN=METRICS_TOKEN
    ) as sms:
        await sms.follow()
        await sms.follow(SECOND)
        await sms.opt_in()
        await sms.shop.set_status(NUMBER, "in_transit")
        await sms.wait_sent(1)
        await sms.wait_texts(state="sent")
        await sms.twilio.report(sms.twilio.sent[0], "delivered")
        await sms.wait_texts(state="delivered")
        sms.twilio.opted_out.add(PHONE)
        await sms.shop.set_status(SECOND, "in_transit")
        await sms.wait_texts(state="failed")
        wismo = sms.shop.wismo
        conversation = await wismo.conversation("7100000000000042")
        await add_user(wismo, "anna")
        async with merchant(wismo) as anna:
            await anna.login("anna")
            page = await anna.page(f"/console/conversations/{conversation.id}")
        assert page.status_code == 200
        assert "Text messages" in page.text
        assert "+1••••••0123 opted in" in page.text
        assert PHONE not in page.text  # the number is masked
        assert "Twilio&#39;s opt-out list" in page.text or "Twilio's opt-out list" in page.text
        assert "failed · error 21610</span> the buyer opted out (replied STOP)" in page.text
        assert '<span class="badge ok">delivered</span>' in page.text
        metrics = await wismo.http.get(
            wismo.url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        )
        assert 'wismo_sms_texts{state="delivered"} 1.0' in metrics.text
        assert 'wismo_sms_texts{state="failed"} 1.0' in metrics.text
        assert 'wismo_sms_failed_texts{error_code="21610"} 1.0' in metrics.text
        assert "wismo_sms_segments_today 1.0" in metrics.text  # the refused one cost nothing
        assert 'wismo_sms_consents{status="stopped"} 1.0' in metrics.text
