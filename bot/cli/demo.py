"""`wismo demo`: wismo on SQLite with demo orders and the sandbox tracking source, ready to try.

It migrates its own database (`wismo-demo.db` unless --database-url), imports
`stores/demo_orders.csv`, serves the webhook (and the merchant console) on --host/--port with
the sandbox as the only tracking source, prints what to try, and then reads buyer lines from
stdin (a terminal, or a pipe) and prints the answers, serving on after the input ends until
Ctrl-C (or /quit). Replies are printed rather than sent to Instagram.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import signal
import sys
from collections.abc import Mapping
from datetime import UTC, datetime

from bot.app import event_loop, logs
from bot.cli.chat import add_chat_options, converse
from bot.cli.serve import prepare_database
from bot.devtools.chat import DEMO_ORDERS, LocalChat, import_demo_orders, local_chat, local_settings
from bot.devtools.transcripts import DEMO_DELIVERY_TIMES
from conversations.console.auth import Authenticator
from conversations.console.errors import UserExists
from foundation.database import create_engine, create_sessions
from stores.importer import ImportReport

DEMO_DATABASE_URL = "sqlite+aiosqlite:///wismo-demo.db"
DEMO_STORE = "Lumen & Co"
DEMO_LOGIN = "demo"

TRY = (
    ("a tracking number", "where is my parcel? YT2430421272039912"),
    ("a parcel held by customs, in Spanish", "hola, mi paquete LP00651234567890 no llega"),
    ("an order, in Chinese (then prove it: its phone ends in 0134)", "我的订单 #1003 到哪儿了"),
    ("an order that hasn't shipped", "order #1004 please"),
    ("a typo'd number", "1Z999AA10123456785"),
    ("a person", "can I talk to a human?"),
    ("then a follow-up about the last parcel", "when will it arrive?"),
    ("shipping times before ordering", "how long does shipping to Brazil take?"),
)


def register(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subcommands.add_parser(
        "demo", help="run wismo with demo orders and the sandbox tracking source"
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind")
    parser.add_argument("--port", type=int, default=8080, help="port (0 picks a free one)")
    parser.add_argument(
        "--database-url", default=None, help=f"database (default {DEMO_DATABASE_URL})"
    )
    parser.add_argument(
        "--no-chat", action="store_true", help="only serve; do not read buyer lines from stdin"
    )
    add_chat_options(parser)
    parser.set_defaults(run=run)


async def prepare_demo(database_url: str) -> tuple[ImportReport, str]:
    """Import the demo orders and give the console's demo login a fresh password."""
    engine = create_engine(database_url)
    try:
        sessions = create_sessions(engine)
        report = await import_demo_orders(sessions, lambda: datetime.now(UTC))
        password = secrets.token_urlsafe(12)
        auth = Authenticator(sessions, clock=lambda: datetime.now(UTC))
        try:
            await auth.create_user(DEMO_LOGIN, password, all_accounts=True)
        except UserExists:
            await auth.set_password(DEMO_LOGIN, password)
        return report, password
    finally:
        await engine.dispose()


def introduction(chat: LocalChat, report: ImportReport, password: str) -> str:
    lines = [
        f"wismo demo: listening on {chat.url}",
        f"  webhook       {chat.url}/webhooks/instagram",
        f"  console       {chat.url}/console  (log in as {DEMO_LOGIN}, password {password})",
        f"  health        {chat.url}/healthz",
        f"  database      {chat.settings.database_url}",
        f"  orders        {report.orders} demo orders from {DEMO_ORDERS.name}",
        "  tracking      the sandbox source (made-up parcels; see carriers/data/sandbox/)",
        "",
        "Try, as a buyer:",
    ]
    lines += [f"  {text:<48} ({what})" for what, text in TRY]
    return "\n".join(lines)


async def _demo(args: argparse.Namespace, env: Mapping[str, str]) -> None:
    url = args.database_url or DEMO_DATABASE_URL
    settings = local_settings(
        env,
        WISMO_DATABASE_URL=url,
        WISMO_PROVIDERS="sandbox",
        WISMO_STORE_SOURCE="csv",
        WISMO_STORE_NAME=env.get("WISMO_STORE_NAME") or DEMO_STORE,
        WISMO_DELIVERY_TIMES=env.get("WISMO_DELIVERY_TIMES") or str(DEMO_DELIVERY_TIMES),
    )
    await prepare_database(settings, apply_migrations=True)
    report, password = await prepare_demo(url)
    async with local_chat(settings, host=args.host, port=args.port) as chat:
        if args.username:
            chat.api.usernames[args.buyer] = args.username
        print(introduction(chat, report, password), flush=True)
        if not args.no_chat:
            interactive = sys.stdin.isatty()
            if interactive:
                print("\nType as the buyer below; /quit stops the demo.", flush=True)
            if await converse(chat, args.buyer, sys.stdin, sys.stdout, prompt=interactive):
                return
        print("\nServing until Ctrl-C.", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    logs.configure(env.get("WISMO_LOG_LEVEL") or "WARNING")
    event_loop.run(_demo(args, env), env.get(event_loop.SETTING) or "auto")
    return 0
