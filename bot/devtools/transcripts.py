"""docs/transcripts.md: real replies to representative buyers, made by running wismo.

Each case is a buyer's conversation played through the whole service
(`bot.devtools.chat.local_chat`: webhook, dialogue, demo orders, sandbox tracking, outbox) on a
fresh SQLite database at a fixed time, so the file changes only when what wismo says changes.
`wismo transcripts` writes it; a test regenerates it and fails when the committed file differs.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.app.database import migrate
from bot.devtools.chat import import_demo_orders, local_chat, local_settings
from foundation.database import create_engine, create_sessions

DEMO_DELIVERY_TIMES = Path(__file__).resolve().parent / "demo_delivery_times.csv"
"""The demo shop's shipping times per destination (WISMO_DELIVERY_TIMES)."""
DEFAULT_OUTPUT = Path(__file__).resolve().parents[2] / "docs" / "transcripts.md"
AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
"""The moment every transcript is played at (the sandbox's parcels are timed from it)."""


@dataclass(frozen=True, slots=True)
class Case:
    title: str
    lines: tuple[str, ...]
    username: str | None = None


CASES: tuple[Case, ...] = (
    Case("A tracking number, in English", ("hi, where is my parcel? YT2430421272039912",)),
    Case("Held by customs, in Spanish", ("hola, mi paquete LP00651234567890 no llega",)),
    Case(
        "An order number, proved by its phone's last four digits, in Chinese",
        ("我的订单 #1003 到哪儿了", "电话尾号 0134"),
    ),
    Case("A wrong proof (nothing is revealed)", ("order #1005 please", "my postcode is 99999")),
    Case(
        "The buyer's own Instagram account: a silent leg between countries, in German",
        ("wo ist meine Bestellung?",),
        "lena.mllr",
    ),
    Case("Not shipped yet", ("order 1004?",), "ollie.smith"),
    Case("A typo in a UPS number", ("UPS 1Z999AA10123456785",)),
    Case(
        "Delivered but not received, in French",
        (
            "bonjour, où est mon colis LP00652234567891 ?",
            "il est marqué livré mais je ne l'ai pas reçu",
        ),
    ),
    Case("A delivery attempt failed, in Portuguese", ("olá, cadê minha encomenda LX123456785CN?",)),
    Case("An address problem, in Arabic", ("مرحبا، أين طردي UA204813765CN",)),
    Case(
        "Several parcels, one of them stale, in Traditional Chinese",
        ("我的包裹到哪裡了？UA204813765CN 和 YT2430621272041023",),
    ),
    Case("Not found yet", ("RB917302543CN where is it",)),
    Case("A refund goes to a person", ("I want a refund for my order",)),
    Case(
        "Follow-ups about the parcel just described: when, is it lost, any news, in English",
        (
            "where is my parcel? YT2430421272039912",
            "when will it arrive?",
            "is it lost?",
            "any update?",
        ),
    ),
    Case(
        "Handed to Colissimo, then quiet for 16 days; is it lost?, in Chinese",
        ("我的快递 YT2430621272041023 到哪儿了", "快递丢了吗"),
    ),
    Case(
        "Why a parcel goes back, in Spanish",
        (
            "hola, ¿dónde está mi paquete 9400111899223397845629?",
            "¿por qué devolvieron mi paquete?",
        ),
    ),
    Case(
        "Two requests in one message: the parcel is answered, the duties question goes to a person",
        ("where is my parcel LX123456785CN and will I have to pay import duties?",),
    ),
    Case(
        "Two requests in one message, in Chinese",
        ("我的包裹 YT2430421272039912 到哪了？还有要交关税吗？",),
    ),
    Case(
        "A China → Germany parcel delivered by DHL Paket to the mailbox, in German",
        ("hallo, wo ist mein Paket LP00652234567891?",),
    ),
    Case(
        "Shipping times before ordering, in Portuguese",
        ("quanto tempo demora a entrega para o Brasil?",),
    ),
    Case("Shipping times before ordering, in Chinese", ("寄到巴西要多久？",)),
    Case(
        "Short messages keep the conversation's language; emoji ask about the last parcel",
        ("where is my parcel 1Z6V31X90377194028", "是不是丢了？", "📦❓😡", "stop"),
    ),
)


async def _database(directory: Path) -> str:
    url = f"sqlite+aiosqlite:///{directory / 'transcripts.db'}"
    engine = create_engine(url)
    try:
        await migrate(engine)
        await import_demo_orders(create_sessions(engine), lambda: AT)
    finally:
        await engine.dispose()
    return url


async def render(env: Mapping[str, str] | None = None) -> str:
    """The transcripts as Markdown."""
    with tempfile.TemporaryDirectory(prefix="wismo-transcripts-") as directory:
        url = await _database(Path(directory))
        settings = local_settings(
            dict(env or {}),
            WISMO_DATABASE_URL=url,
            WISMO_PROVIDERS="sandbox",
            WISMO_STORE_SOURCE="csv",
            WISMO_STORE_NAME="Lumen & Co",
            WISMO_DEFAULT_LANGUAGE="en",
            WISMO_DELIVERY_TIMES=str(DEMO_DELIVERY_TIMES),
        )
        out = [
            "# What wismo answers: transcripts",
            "",
            "Generated by `wismo transcripts` from the demo orders (`stores/demo_orders.csv`) and",
            "the sandbox tracking source, played through the whole service at "
            f"{AT:%Y-%m-%d %H:%M} UTC.",
            "Do not edit by hand: the test suite regenerates this file and fails if it differs.",
        ]
        async with local_chat(settings, clock=lambda: AT) as chat:
            for index, case in enumerate(CASES, start=1):
                buyer = f"transcript-{index}"
                if case.username:
                    chat.api.usernames[buyer] = case.username
                out += ["", f"## {index}. {case.title}", ""]
                if case.username:
                    out += [f"*The buyer writes from Instagram as @{case.username}.*", ""]
                for line in case.lines:
                    out.append(f"**Buyer:** {line}")
                    out.append("")
                    for reply in await chat.say(buyer, line):
                        out.append("> **wismo:**")
                        out += [f"> {text}".rstrip() for text in (reply.text or "").splitlines()]
                        if reply.quick_replies:
                            titles = " · ".join(f"[{q.title}]" for q in reply.quick_replies)
                            out += [">", f"> {titles}"]
                        out.append("")
        return "\n".join(out).rstrip() + "\n"


__all__ = ["CASES", "DEFAULT_OUTPUT", "DEMO_DELIVERY_TIMES", "render"]
