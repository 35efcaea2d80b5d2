"""A conversation's page shows its proactive updates: what was sent, held or dropped, and why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.updates.tables import UpdateNotice, UpdateSubscription
from tests.console.harness import ACCOUNT, add_user, console_wismo, merchant, seed_conversation


async def test_held_and_dropped_updates_are_listed_with_their_reason(
    aiohttp_server, database_url
) -> None:
    async with console_wismo(aiohttp_server, database_url) as wismo:
        seeded = await seed_conversation(wismo)
        now = datetime.now(UTC)
        async with wismo.sessions() as session, session.begin():
            subscription = UpdateSubscription(
                conversation_id=seeded.conversation_id,
                account_id=ACCOUNT,
                igsid=seeded.igsid,
                number="YT2430421272039912",
                created_at=now - timedelta(days=2),
                updated_at=now,
            )
            session.add(subscription)
            await session.flush()
            for change_id, (milestone, state, reason) in enumerate(
                [
                    ("out_for_delivery", "dropped", "burst:7"),
                    ("delivered", "held", "window_closed"),
                ],
                start=6,
            ):
                session.add(
                    UpdateNotice(
                        subscription_id=subscription.id,
                        conversation_id=seeded.conversation_id,
                        number="YT2430421272039912",
                        channel="dm",
                        milestone=milestone,
                        change_id=change_id,
                        shipment={},
                        state=state,
                        reason=reason,
                        created_at=now - timedelta(hours=1),
                        due_at=now - timedelta(hours=1),
                        decided_at=now - timedelta(minutes=30),
                    )
                )
        await add_user(wismo, "anna")
        async with merchant(wismo) as anna:
            await anna.login("anna")
            page = await anna.page(f"/console/conversations/{seeded.conversation_id}")
        assert page.status_code == 200
        assert "Proactive updates" in page.text
        assert "dropped (burst:7)" in page.text
        assert "held (window_closed)" in page.text
