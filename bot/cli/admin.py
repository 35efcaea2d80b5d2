"""`wismo admin …`: console accounts: create-user, set-password, grant.

Passwords are never taken from the command line (they would sit in the shell history and the
process list): they are prompted for twice on a terminal, or read as the first line of stdin
with `--password-stdin`.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TextIO

from bot.app.database import ensure_migrated
from bot.cli.db import database_url
from conversations.console.auth import MIN_PASSWORD_LENGTH, Authenticator
from conversations.console.errors import ConsoleError
from foundation.database import create_engine, create_sessions


def register(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subcommands.add_parser("admin", help="merchant console accounts")
    actions = parser.add_subparsers(dest="admin_command", required=True)

    create = actions.add_parser("create-user", help="create a console user")
    create.add_argument("username")
    create.add_argument(
        "--account",
        action="append",
        default=[],
        metavar="IG_ACCOUNT_ID",
        help="an Instagram account id whose conversations the user may read (repeatable)",
    )
    create.add_argument(
        "--all-accounts", action="store_true", help="the user reads every account's conversations"
    )
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin's first line"
    )
    create.set_defaults(run=run_create)

    password = actions.add_parser("set-password", help="change a user's password")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true")
    password.set_defaults(run=run_set_password)

    grant = actions.add_parser("grant", help="let a user read more Instagram accounts")
    grant.add_argument("username")
    grant.add_argument("--account", action="append", required=True, metavar="IG_ACCOUNT_ID")
    grant.set_defaults(run=run_grant)


def read_password(
    from_stdin: bool,
    *,
    stdin: TextIO | None = None,
    prompt: Callable[[str], str] | None = None,
) -> str | None:
    """The new password, or None (after saying why on stderr) when none was given."""
    if from_stdin:
        line = (stdin or sys.stdin).readline().rstrip("\r\n")
        return line or None
    if not (stdin or sys.stdin).isatty():
        print(
            "wismo: no terminal to prompt for a password; pipe it in with --password-stdin",
            file=sys.stderr,
        )
        return None
    ask = prompt or getpass.getpass
    first = ask(f"Password (at least {MIN_PASSWORD_LENGTH} characters): ")
    if ask("Again: ") != first:
        print("wismo: the passwords differ", file=sys.stderr)
        return None
    return first


async def _with_auth(url: str, work: Callable[[Authenticator], object]) -> None:
    engine = create_engine(url)
    try:
        await ensure_migrated(engine)
        result = work(Authenticator(create_sessions(engine), clock=lambda: datetime.now(UTC)))
        if asyncio.iscoroutine(result):
            await result
    finally:
        await engine.dispose()


def _run(env: Mapping[str, str], work: Callable[[Authenticator], object], done: str) -> int:
    try:
        asyncio.run(_with_auth(database_url(env), work))
    except ConsoleError as exc:
        print(f"wismo: {exc}", file=sys.stderr)
        return 1
    print(done)
    return 0


def run_create(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    if not args.account and not args.all_accounts:
        print("wismo: give --account IG_ACCOUNT_ID (repeatable) or --all-accounts", file=sys.stderr)
        return 2
    password = read_password(args.password_stdin)
    if password is None:
        return 2
    return _run(
        env,
        lambda auth: auth.create_user(
            args.username, password, accounts=args.account, all_accounts=args.all_accounts
        ),
        f"created console user {args.username.strip().lower()}; log in at /console/login",
    )


def run_set_password(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    password = read_password(args.password_stdin)
    if password is None:
        return 2
    return _run(
        env,
        lambda auth: auth.set_password(args.username, password),
        "password changed; the user's sessions were ended",
    )


def run_grant(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    return _run(env, lambda auth: auth.grant(args.username, args.account), "accounts granted")
