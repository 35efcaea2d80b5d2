"""The console's pages do what a merchant needs: find, read, answer, hand back, count, export."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.pipeline.tables import OutboxMessage
from conversations.console.queries import ConsoleQueries, ConversationFilter
from conversations.console.tables import HandBackRow
from conversations.models import Author, Direction, MessageKind
from conversations.store import ConversationStore
from tests.bot.harness import ACCOUNT, wait_until
from tests.console.data import cache_shipment, record_usage
from tests.console.harness import (
    add_user,
    console_wismo,
    conversation_by_id,
    merchant,
    seed_conversation,
)


def listed(page_text: str) -> list[str]:
    """The usernames a list page shows, in order."""
    return [part.split("</span>")[0] for part in page_text.split('<span class="who">@')[1:]]


async def test_the_list_is_newest_first_and_pages_by_keyset(aiohttp_server, database_url):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        for minutes in range(7):
            await seed_conversation(
                wismo,
                username=f"b{minutes}",
                at=datetime.now(UTC) - timedelta(minutes=10 * minutes + 5),
            )
        async with wismo.sessions() as session:
            queries = ConsoleQueries(session, frozenset({ACCOUNT}))
            pages, cursor = [], None
            while True:
                page = await queries.page(ConversationFilter(), cursor=cursor, limit=3)
                pages.append([item.conversation.username for item in page.items])
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
        assert pages == [["b0", "b1", "b2"], ["b3", "b4", "b5"], ["b6"]]
        await add_user(wismo, "anna")
        async with merchant(wismo) as anna:
            await anna.login("anna")
            first = await anna.page("/console/conversations")
            assert listed(first.text) == [f"b{n}" for n in range(7)]
            assert "Older conversations" not in first.text


async def test_search_finds_username_order_tracking_number_and_words(aiohttp_server, database_url):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        await seed_conversation(
            wismo,
            username="maria.lopez",
            buyer_text="¿Dónde está mi pedido? Llevo una semana esperando",
            references=[("order", "#2051"), ("tracking", "LP00724622449605")],
        )
        await seed_conversation(
            wismo, username="wang", buyer_text="我的货到哪儿了", references=[("order", "3001")]
        )
        await seed_conversation(wismo, username="other", buyer_text="hi", references=[])
        await add_user(wismo, "anna")
        async with merchant(wismo) as anna:
            await anna.login("anna")
            searches = {
                "maria.lopez": ["maria.lopez"],
                "@Maria": ["maria.lopez"],  # a prefix, any case, with or without @
                "2051": ["maria.lopez"],
                "#2051": ["maria.lopez"],
                "lp 0072 4622 449605": ["maria.lopez"],
                "semana esperando": ["maria.lopez"],
                "SEMANA": ["maria.lopez"],
                "货到哪": ["wang"],
                "3001": ["wang"],
                "nothing like this": [],
            }
            for query, expected in searches.items():
                page = await anna.page("/console/conversations", q=query)
                assert listed(page.text) == expected, query


async def test_filters_narrow_the_list(aiohttp_server, database_url):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        await seed_conversation(wismo, username="waiting", handoff="buyer_asked")
        await seed_conversation(
            wismo,
            username="stuck",
            references=[("tracking", "YT2229521272164446")],
            language="es",
        )
        old = await seed_conversation(
            wismo, username="old", at=datetime.now(UTC) - timedelta(days=10)
        )
        async with wismo.sessions() as session, session.begin():
            await ConversationStore(session).resolve(old.conversation_id, datetime.now(UTC))
        await cache_shipment(
            wismo.sessions, "YT2229521272164446", status="exception", reason="customs_hold"
        )
        await add_user(wismo, "anna")
        day = datetime.now(UTC).date()
        async with merchant(wismo) as anna:
            await anna.login("anna")
            cases = {
                "needs_person": (dict(needs_person="1"), ["waiting"]),
                "has_exception": (dict(has_exception="1"), ["stuck"]),
                "unresolved": (dict(unresolved="1"), ["stuck", "waiting"]),
                "language": (dict(language="es"), ["stuck"]),
                "range": (
                    {"from": str(day - timedelta(days=11)), "to": str(day - timedelta(days=9))},
                    ["old"],
                ),
                "today": ({"from": str(day), "to": str(day)}, ["stuck", "waiting"]),
            }
            for name, (params, expected) in cases.items():
                page = await anna.page("/console/conversations", **params)
                assert sorted(listed(page.text)) == sorted(expected), name
            flagged = await anna.page("/console/conversations", has_exception="1")
            assert "badge bad" in flagged.text


async def test_a_transcript_shows_every_author_and_what_each_reply_was_based_on(
    aiohttp_server, database_url
):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        seeded = await seed_conversation(wismo, at=datetime.now(UTC) - timedelta(minutes=30))
        async with wismo.sessions() as session, session.begin():
            store = ConversationStore(session)
            for author, text in ((Author.MERCHANT, "Anna here"), (Author.ECHO, "from the app")):
                await store.add_message(
                    seeded.conversation_id,
                    direction=Direction.OUT,
                    author=author,
                    kind=MessageKind.TEXT,
                    text=text,
                    created_at=datetime.now(UTC) - timedelta(minutes=20),
                    recorded_at=datetime.now(UTC),
                )
        await add_user(wismo, "anna")
        async with merchant(wismo) as anna:
            await anna.login("anna")
            page = (await anna.page(f"/console/conversations/{seeded.conversation_id}")).text
        for author in ("buyer", "bot", "merchant", "echo"):
            assert f'class="msg {author}"' in page
        assert page.index("where is my order #1042?") < page.index("Your parcel is in transit.")
        assert page.index("Your parcel is in transit.") < page.index("Anna here")
        assert "where_is_my_order" in page  # the intent
        assert "1042, YT2229521272164446" in page  # the numbers understood
        assert "in_transit" in page
        assert "yunexpress" in page
        assert "snapshot 2.0 h old" in page  # checked two hours before the reply
        assert "from cache" in page


async def test_replying_as_a_person_within_a_day_goes_out_untagged(aiohttp_server, database_url):
    async with console_wismo(aiohttp_server, database_url, workers=True) as wismo:
        seeded = await seed_conversation(wismo, at=datetime.now(UTC) - timedelta(hours=3))
        await add_user(wismo, "anna")
        async with merchant(wismo) as anna:
            await anna.login("anna")
            response = await anna.reply(seeded.conversation_id, "Hi, Anna from the shop here.")
            assert response.status_code == 303
            assert "notice=queued" in response.headers["Location"]
            delivered = await wismo.fake.wait_for_delivered(1)
        assert delivered[0].text == "Hi, Anna from the shop here."
        assert delivered[0].tag is None
        [row] = await wismo.outbox()
        assert (row.purpose, row.author, row.author_ref) == ("merchant", "merchant", "console:anna")
        conversation = await conversation_by_id(wismo, seeded.conversation_id)
        assert conversation is not None
        assert conversation.handoff_reason == "merchant_replied"  # the bot stays quiet now


async def test_replying_after_a_day_uses_human_agent_and_after_a_week_is_refused(
    aiohttp_server, database_url
):
    async with console_wismo(aiohttp_server, database_url, workers=True) as wismo:
        late = await seed_conversation(
            wismo, username="late", at=datetime.now(UTC) - timedelta(days=2)
        )
        gone = await seed_conversation(
            wismo, username="gone", at=datetime.now(UTC) - timedelta(days=8)
        )
        await add_user(wismo, "anna")
        async with merchant(wismo) as anna:
            await anna.login("anna")
            page = await anna.page(f"/console/conversations/{late.conversation_id}")
            assert "HUMAN_AGENT" in page.text
            response = await anna.reply(late.conversation_id, "Sorry for the wait!")
            assert "notice=queued_human_agent" in response.headers["Location"]
            [sent] = await wismo.fake.wait_for_delivered(1)
            assert sent.tag == "HUMAN_AGENT"
            assert sent.text == "Sorry for the wait!"

            refused = await anna.reply(gone.conversation_id, "Hello?")
            assert "notice=human_agent_window_closed" in refused.headers["Location"]
            shown = await anna.page(refused.headers["Location"])
            assert "more than 7 days ago" in shown.text
        rows = await wismo.outbox()
        assert [row.conversation_id for row in rows] == [late.conversation_id]
        async with wismo.sessions() as session:
            transcript = await ConversationStore(session).transcript(gone.conversation_id)
        assert [message.author for message in transcript] == [Author.BUYER, Author.BOT]


async def test_the_same_reply_form_sent_twice_sends_once(aiohttp_server, database_url):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        seeded = await seed_conversation(wismo)
        await add_user(wismo, "anna")
        async with merchant(wismo) as anna:
            await anna.login("anna")
            page = await anna.page(f"/console/conversations/{seeded.conversation_id}")
            nonce = page.text.split('name="nonce" value="')[1].split('"')[0]
            for _ in range(2):
                await anna.post(
                    f"/console/conversations/{seeded.conversation_id}/reply",
                    {"text": "once", "nonce": nonce},
                )
        assert len(await wismo.outbox()) == 1


async def test_handing_back_and_resolving(aiohttp_server, database_url):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        seeded = await seed_conversation(wismo, handoff="buyer_asked")
        await add_user(wismo, "anna")
        async with merchant(wismo) as anna:
            await anna.login("anna")
            page = await anna.page(f"/console/conversations/{seeded.conversation_id}")
            assert "Hand back to the bot" in page.text
            back = await anna.post(f"/console/conversations/{seeded.conversation_id}/hand-back")
            assert "notice=handed_back" in back.headers["Location"]
            done = await anna.post(f"/console/conversations/{seeded.conversation_id}/resolve")
            assert "notice=resolved" in done.headers["Location"]
            page = await anna.page(f"/console/conversations/{seeded.conversation_id}")
            assert "Hand back to the bot" not in page.text
            assert "Mark resolved" not in page.text
        conversation = await conversation_by_id(wismo, seeded.conversation_id)
        assert conversation is not None
        assert not conversation.handed_off
        assert conversation.resolved
        async with wismo.sessions() as session:
            [log] = await session.scalars(select(HandBackRow))
        assert (log.handoff_reason, log.handed_back_by) == ("buyer_asked", "anna")


async def test_the_handoff_inbox_is_oldest_first_with_the_wait(aiohttp_server, database_url):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        await seed_conversation(wismo, username="recent", handoff="buyer_asked")
        await seed_conversation(
            wismo,
            username="longest",
            handoff="no_answer",
            at=datetime.now(UTC) - timedelta(hours=5),
        )
        await seed_conversation(wismo, username="fine")
        await add_user(wismo, "anna")
        async with merchant(wismo) as anna:
            await anna.login("anna")
            page = await anna.page("/console/handoffs")
        assert listed(page.text) == ["longest", "recent"]
        assert "waiting 5.0 h" in page.text
        assert "no_answer" in page.text


async def test_the_health_page_shows_exceptions_silent_parcels_and_sources(
    aiohttp_server, database_url
):
    async with console_wismo(
        aiohttp_server,
        database_url,
        WISMO_PROVIDERS="sandbox",
        WISMO_SOURCE_BUDGETS="dhl=100",
    ) as wismo:
        await cache_shipment(wismo.sessions, "EXC1", status="exception", reason="address_issue")
        await cache_shipment(
            wismo.sessions,
            "QUIET1",
            status="in_transit",
            last_scan_at=datetime.now(UTC) - timedelta(days=9),
        )
        await cache_shipment(
            wismo.sessions,
            "DONE1",
            status="delivered",
            last_scan_at=datetime.now(UTC) - timedelta(days=9),
        )
        await record_usage(
            wismo.sessions,
            "dhl",
            calls=90,
            failures=3,
            last_success_at=datetime.now(UTC) - timedelta(hours=2),
            last_failure_at=datetime.now(UTC) - timedelta(minutes=5),
            reason="HTTP 503",
        )
        await add_user(wismo, "anna")
        async with merchant(wismo) as anna:
            await anna.login("anna")
            page = (await anna.page("/console/health")).text
            stricter = (await anna.page("/console/health", days="10")).text
        assert "EXC1" in page
        assert "address_issue" in page
        assert "QUIET1" in page
        assert "DONE1" not in page
        assert "QUIET1" not in stricter.split("No carrier scan")[1]
        assert "sandbox" in page
        assert "failing" in page
        assert "near quota" in page
        assert "90 / 100" in page
        assert "HTTP 503" in page


async def test_figures_count_wismo_conversations_resolution_and_first_reply(
    aiohttp_server, database_url
):
    now = datetime.now(
        UTC
    )  # not the module's datetime.now(UTC): the period must include "a minute ago"
    async with console_wismo(aiohttp_server, database_url) as wismo:
        yesterday = now - timedelta(days=1)
        await seed_conversation(wismo, username="a", at=yesterday)  # bot answered in 3 s
        await seed_conversation(wismo, username="b", at=now - timedelta(hours=1))
        handed = await seed_conversation(wismo, username="c", handoff="buyer_asked")
        await seed_conversation(
            wismo,
            username="d",
            references=[("tracking", "YT1")],
            based_on={"intent": "where_is_my_order"},
        )
        await seed_conversation(
            wismo, username="hello", references=[], based_on={"intent": "greeting"}
        )
        await cache_shipment(
            wismo.sessions, "YT1", status="exception", reason="lost", carrier="dhl"
        )
        await add_user(wismo, "anna")
        async with merchant(wismo) as anna:
            await anna.login("anna")
            await anna.post(f"/console/conversations/{handed.conversation_id}/hand-back")
            page = (await anna.page("/console/figures")).text
            async with wismo.sessions() as session:
                figures = await ConsoleQueries(session, None).figures(
                    now - timedelta(days=7), datetime.now(UTC) + timedelta(minutes=1)
                )
        assert figures.conversations == 4  # "hello" was not about an order
        assert figures.resolved_without_person == 4  # c was handed back to the bot
        assert figures.first_reply_median == 3.0
        assert figures.handoffs == [("buyer_asked", 1)]
        assert sum(count for _, count in figures.per_day) >= 4
        assert "<svg" in page
        assert "100 %" in page
        assert "3 s" in page
        assert "lost" in page
        assert "dhl" in page


async def test_export_streams_csv_and_json_lines_for_a_period(aiohttp_server, database_url):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        await seed_conversation(wismo, username="recent", buyer_text='=HYPERLINK("x")')
        await seed_conversation(
            wismo, username="ancient", at=datetime.now(UTC) - timedelta(days=40)
        )
        await add_user(wismo, "anna")
        async with merchant(wismo) as anna:
            await anna.login("anna")
            response = await anna.page("/console/export", format="csv")
            assert response.headers["Content-Type"].startswith("text/csv")
            assert "attachment" in response.headers["Content-Disposition"]
            rows = list(csv.DictReader(io.StringIO(response.text)))
            lines = (await anna.page("/console/export", format="jsonl")).text.splitlines()
            old = await anna.page(
                "/console/export",
                format="jsonl",
                **{
                    "from": str((datetime.now(UTC) - timedelta(days=41)).date()),
                    "to": str((datetime.now(UTC) - timedelta(days=39)).date()),
                },
            )
        assert {row["username"] for row in rows} == {"recent"}
        assert [row["author"] for row in rows] == ["buyer", "bot"]
        assert rows[0]["text"] == '\'=HYPERLINK("x")'  # never a formula in a spreadsheet
        assert rows[1]["intent"] == "where_is_my_order"
        [line] = lines
        record = json.loads(line)
        assert record["username"] == "recent"
        assert record["messages"][1]["based_on"]["intent"] == "where_is_my_order"
        assert [json.loads(x)["username"] for x in old.text.splitlines()] == ["ancient"]


async def test_a_merchant_reply_is_in_the_outbox_before_it_is_sent(aiohttp_server, database_url):
    async with console_wismo(aiohttp_server, database_url, workers=True) as wismo:
        seeded = await seed_conversation(wismo)
        await add_user(wismo, "anna")
        async with merchant(wismo) as anna:
            await anna.login("anna")
            await anna.reply(seeded.conversation_id, "x" * 1500)  # two messages
        await wait_until(lambda: _sent(wismo, 2))
        rows = await wismo.outbox()
        assert [row.idempotency_key.rsplit(":", 1)[1] for row in rows] == ["0", "1"]
        assert all(row.purpose == "merchant" for row in rows)


async def _sent(wismo, count: int) -> bool:
    async with wismo.sessions() as session:
        rows = list(
            await session.scalars(select(OutboxMessage).where(OutboxMessage.state == "sent"))
        )
    return len(rows) >= count
