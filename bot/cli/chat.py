"""`wismo chat`: talk to wismo as a buyer in the terminal, through the real pipeline.

Each line you type is posted to wismo's webhook as a signed Instagram message; wismo answers
through its dialogue, orders, tracking service and outbox, and the answer is printed instead
of being sent to Instagram. Type the number of a quick reply to tap it; `/quit` ends the chat.
Run it as often as you like on one database; once a person has a conversation (you asked for
one), a line says so and how to hand back.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Mapping
from typing import TextIO

from bot.app import event_loop, logs
from bot.cli.serve import prepare_database
from bot.devtools.chat import Delivered, LocalChat, local_chat, local_settings
from bot.instagram.messages import QuickReply

BUYER = "local-buyer"
QUIT = frozenset({"/quit", "/exit", "/q"})


def register(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subcommands.add_parser("chat", help="talk to wismo as a buyer in the terminal")
    add_chat_options(parser)
    parser.add_argument(
        "--migrate", action="store_true", help="apply pending migrations before chatting"
    )
    parser.set_defaults(run=run)


def add_chat_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as",
        dest="username",
        default=None,
        help="your Instagram username as the buyer (an order with it needs no other proof)",
    )
    parser.add_argument("--buyer", default=BUYER, help="the buyer's id (one conversation each)")


def show(replies: list[Delivered], out: TextIO) -> list[QuickReply]:
    """Print wismo's messages; returns the quick replies offered under the last one."""
    offered: list[QuickReply] = []
    for reply in replies:
        held = f" (held: {reply.tag})" if reply.tag else ""
        print(f"\nwismo{held}:", file=out)
        for line in (reply.text or "[a message without text]").splitlines():
            print(f"  {line}", file=out)
        offered = list(reply.quick_replies)
    if offered:
        buttons = "   ".join(f"[{i}] {q.title}" for i, q in enumerate(offered, start=1))
        print(f"\n  {buttons}", file=out)
    return offered


def handed_off_line(chat: LocalChat) -> str:
    """What to do once a person has the conversation (the bot stays quiet in it)."""
    hours = f"{chat.settings.handoff_quiet_hours:g}"
    return (
        "\n(A person has this conversation now, so wismo stays quiet in it until someone hands "
        f"it back on the console ({chat.url}/console: open the conversation, 'Hand back to the "
        f"bot') or {hours} hours pass. To talk to wismo again meanwhile, start as another "
        "buyer: --buyer NEW-NAME.)"
    )


async def converse(
    chat: LocalChat, buyer: str, stdin: TextIO, out: TextIO, *, prompt: bool = True
) -> bool:
    """Read the buyer's lines until end of input or /quit, printing each answer; True when
    the buyer typed /quit."""
    offered: list[QuickReply] = []
    while True:
        if prompt:
            print("\nyou> ", end="", file=out, flush=True)
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            return False
        text = line.strip()
        if not text:
            continue
        if text.lower() in QUIT:
            return True
        payload = None
        if text.isdigit() and 1 <= int(text) <= len(offered):
            tapped = offered[int(text) - 1]
            text, payload = tapped.title, tapped.payload
        try:
            replies = await chat.say(buyer, text, payload=payload)
        except TimeoutError as exc:
            print(f"\n({exc})", file=out)
            continue
        offered = show(replies, out)
        if await chat.handed_off(buyer):
            print(handed_off_line(chat), file=out)
        elif not replies:
            print("\n(wismo did not answer)", file=out)


async def _chat(args: argparse.Namespace, env: Mapping[str, str]) -> None:
    settings = local_settings(env)
    await prepare_database(settings, args.migrate)
    async with local_chat(settings) as chat:
        if args.username:
            chat.api.usernames[args.buyer] = args.username
        print("Chatting with wismo as a buyer. /quit to stop.", flush=True)
        await converse(chat, args.buyer, sys.stdin, sys.stdout, prompt=sys.stdin.isatty())


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    logs.configure(env.get("WISMO_LOG_LEVEL") or "WARNING")
    event_loop.run(_chat(args, env), env.get(event_loop.SETTING) or "auto")
    return 0
