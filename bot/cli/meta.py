"""`wismo meta …`: connect Instagram accounts, check them, subscribe, refresh and list them.

The commands write the accounts table, so they work while `wismo serve` runs (it picks a new
token up within seconds). The Graph host is `--graph-url`, else META_GRAPH_URL (for `connect`;
the other commands default to the host the account was connected through). Tokens are never
printed. Exit status: 0 done (all checks green), 1 something failed (a red check), 2 the
configuration is wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import httpx
from pydantic import Field, SecretStr, ValidationError, field_validator
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.accounts import Account, AccountStore, Credentials, Flavour, SecretBox
from bot.accounts.checks import Check, Webhook, as_json, check_account
from bot.accounts.tokens import MetaAccess, connect, days_left, refresh, refreshable
from bot.app.database import ensure_migrated
from bot.app.logs import configure
from bot.app.settings import DEFAULT_DATABASE_URL, CommaSeparatedSecrets
from bot.app.sources import SettingsGroup
from bot.errors import ConfigurationInvalid, SendError
from foundation.database import create_engine, create_sessions

GRAPH_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
DEFAULT_GRAPH_URL = "https://graph.instagram.com"

_T = TypeVar("_T")


class MetaCliSettings(SettingsGroup):
    """The settings `wismo meta` reads, none required until a command needs it."""

    database_url: str = Field(DEFAULT_DATABASE_URL, alias="WISMO_DATABASE_URL")
    secret_key: SecretStr | None = Field(None, alias="WISMO_SECRET_KEY")
    public_base_url: str = Field("http://127.0.0.1:8080", alias="WISMO_PUBLIC_URL")
    meta_app_secrets: CommaSeparatedSecrets = Field((), alias="META_APP_SECRET")
    meta_verify_token: SecretStr | None = Field(None, alias="META_VERIFY_TOKEN")
    meta_graph_url: str | None = Field(None, alias="META_GRAPH_URL")
    meta_graph_version: str = Field("v25.0", alias="META_GRAPH_VERSION")

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value


@dataclass(frozen=True, slots=True)
class Context:
    """What a command works with: its settings, the store and Graph access."""

    settings: MetaCliSettings
    store: AccountStore
    access: MetaAccess


def register(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subcommands.add_parser("meta", help="connect and check Instagram accounts")
    actions = parser.add_subparsers(dest="meta_command", required=True)

    connect_parser = actions.add_parser(
        "connect", help="store an account's token (long-lived) and subscribe its webhooks"
    )
    connect_parser.add_argument("--token", required=True, help="the account's access token")
    _graph_url(connect_parser)
    connect_parser.add_argument(
        "--flavour",
        choices=[flavour.value for flavour in Flavour],
        help="how the token was issued (default: read from the Graph host; give it behind a proxy)",
    )
    connect_parser.set_defaults(run=run_connect)

    check = actions.add_parser("check", help="check each account end to end; exit 1 on any ✗")
    _account(check)
    _graph_url(check)
    check.add_argument("--json", action="store_true", help="one JSON object per account")
    check.set_defaults(run=run_check)

    subscribe = actions.add_parser("subscribe", help="subscribe accounts to their webhooks")
    _account(subscribe)
    _graph_url(subscribe)
    subscribe.set_defaults(run=run_subscribe)

    refresh_parser = actions.add_parser(
        "refresh", help="refresh Instagram-Login tokens at least 24 hours old"
    )
    _account(refresh_parser)
    _graph_url(refresh_parser)
    refresh_parser.set_defaults(run=run_refresh)

    listing = actions.add_parser("accounts", help="list connected accounts")
    listing.set_defaults(run=run_accounts)


def _account(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--account", metavar="ID", help="only this account (its IG_ID)")


def _graph_url(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--graph-url", help="the Graph host (default META_GRAPH_URL)")


def _settings(env: Mapping[str, str]) -> MetaCliSettings:
    """Raises ConfigurationInvalid naming the first bad setting."""
    cleaned = {key: value for key, value in env.items() if value != ""}
    try:
        return MetaCliSettings.model_validate(cleaned)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "settings"
        raise ConfigurationInvalid(f"setting {name} is invalid: {first['msg']}") from exc


def _run(env: Mapping[str, str], work: Callable[[Context], Awaitable[_T]]) -> _T:
    settings = _settings(env)
    # The outcome is what the command prints; the Graph client's warnings would only repeat it.
    configure("ERROR")
    return asyncio.run(_with_context(settings, work))


async def _with_context(settings: MetaCliSettings, work: Callable[[Context], Awaitable[_T]]) -> _T:
    engine = create_engine(settings.database_url)
    try:
        await ensure_migrated(engine)
        sessions: async_sessionmaker[AsyncSession] = create_sessions(engine)
        box = SecretBox(settings.secret_key) if settings.secret_key is not None else None

        def clock() -> datetime:
            return datetime.now(UTC)

        async with httpx.AsyncClient(timeout=GRAPH_TIMEOUT) as http:
            access = MetaAccess(http, settings.meta_graph_version, settings.meta_app_secrets, clock)
            store = AccountStore(sessions, box, clock=clock)
            return await work(Context(settings, store, access))
    finally:
        await engine.dispose()


def _host(args: argparse.Namespace, settings: MetaCliSettings) -> str | None:
    given: str | None = args.graph_url or settings.meta_graph_url
    return given.rstrip("/") if given else None


async def _chosen(context: Context, account_id: str | None) -> list[Credentials]:
    """The accounts a command works on (raises ConfigurationInvalid when there are none)."""
    found, unreadable = await context.store.credentials()
    for problem in unreadable:
        print(f"✗ {problem}", file=sys.stderr)
    chosen = [c for c in found if account_id is None or c.account.account_id == account_id]
    if not chosen:
        which = f"account {account_id} is not" if account_id else "no account is"
        raise ConfigurationInvalid(f"{which} connected: run `wismo meta connect --token …`")
    return chosen


# -- connect -------------------------------------------------------------------------------


def run_connect(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    async def work(context: Context) -> int:
        host = _host(args, context.settings) or DEFAULT_GRAPH_URL
        flavour = Flavour(args.flavour) if args.flavour else None
        done = await connect(context.access, context.store, SecretStr(args.token), host, flavour)
        account = done.saved.account
        verb = "connected" if done.saved.created else "updated"
        print(
            f"{verb} {account.account_id} @{account.username or '?'} "
            f"({_flavour(account)}, token {_expiry(account, context.access.clock())})"
        )
        if done.fields is None:
            print(f"✗ subscribe: {done.subscribe_error} — fix: run `wismo meta subscribe`")
            return 1
        print(f"✓ subscribed to {', '.join(done.fields)}")
        return 0

    return _run(env, work)


# -- check ---------------------------------------------------------------------------------


def _print_checks(account: Account, checks: list[Check], *, json_lines: bool) -> None:
    if json_lines:
        print(as_json(account.account_id, account.username, checks))
        return
    print(f"{account.account_id} @{account.username or '?'} ({_flavour(account)})")
    for check in checks:
        mark = "✓" if check.ok else "✗"
        fix = f" — fix: {check.fix}" if not check.ok and check.fix else ""
        print(f"  {mark} {check.name}: {check.detail}{fix}")


def run_check(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    async def work(context: Context) -> int:
        settings = context.settings
        webhook = Webhook(
            settings.public_base_url,
            settings.meta_verify_token,
            settings.meta_app_secrets[0] if settings.meta_app_secrets else None,
        )
        green = True
        for credentials in await _chosen(context, args.account):
            checks = await check_account(
                context.access, credentials, webhook, graph_url=args.graph_url
            )
            _print_checks(credentials.account, checks, json_lines=args.json)
            green = green and all(check.ok for check in checks)
        return 0 if green else 1

    return _run(env, work)


# -- subscribe, refresh --------------------------------------------------------------------


def run_subscribe(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    async def work(context: Context) -> int:
        failed = False
        for credentials in await _chosen(context, args.account):
            client = context.access.client_for(credentials, args.graph_url)
            account_id = credentials.account.account_id
            try:
                await client.subscribe()
            except SendError as exc:
                print(f"✗ {account_id}: subscribe failed: {exc}")
                failed = True
                continue
            print(f"✓ {account_id}: subscribed to {', '.join(client.default_fields())}")
        return 1 if failed else 0

    return _run(env, work)


def run_refresh(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    async def work(context: Context) -> int:
        failed = False
        now = context.access.clock()
        for credentials in await _chosen(context, args.account):
            account = credentials.account
            if not refreshable(account, now):
                print(f"- {account.account_id}: not refreshable ({_why_not(account, now)})")
                continue
            try:
                renewed = await refresh(context.access, context.store, credentials, args.graph_url)
            except SendError as exc:
                print(f"✗ {account.account_id}: refresh failed: {exc}")
                failed = True
                continue
            left = (renewed.expires_at - now).days if renewed.expires_at else None
            until = f"expires in {left} days" if left is not None else "does not expire"
            print(f"✓ {account.account_id}: token refreshed, {until}")
        return 1 if failed else 0

    return _run(env, work)


def _why_not(account: Account, now: datetime) -> str:
    if account.flavour.value != "instagram_login":
        return "a Facebook-Login Page token does not expire: connect a new one to replace it"
    if account.token_kind.value != "long_lived":
        return "not a long-lived token: connect it again to exchange it"
    left = days_left(account, now)
    if left is not None and left <= 0:
        return "expired: connect a new token"
    return "less than 24 hours old"


# -- accounts ------------------------------------------------------------------------------


def run_accounts(_args: argparse.Namespace, env: Mapping[str, str]) -> int:
    async def work(context: Context) -> int:
        accounts = await context.store.accounts()
        if not accounts:
            print("no accounts connected: run `wismo meta connect --token …`")
            return 0
        now = context.access.clock()
        print("ID\tUSERNAME\tFLAVOUR\tSTATUS\tTOKEN EXPIRES\tLAST ERROR")
        for account in accounts:
            status = account.status.value
            if account.status_reason:
                status += f" ({account.status_reason})"
            print(
                "\t".join(
                    [
                        account.account_id,
                        f"@{account.username}" if account.username else "-",
                        account.flavour.value,
                        status,
                        _expiry(account, now),
                        account.last_error or "-",
                    ]
                )
            )
        return 0

    return _run(env, work)


def _flavour(account: Account) -> str:
    return "Instagram Login" if account.flavour.value == "instagram_login" else "Facebook Login"


def _expiry(account: Account, now: datetime) -> str:
    left = days_left(account, now)
    if left is None:
        return "does not expire"
    if left <= 0:
        return "expired"
    return f"expires in {left:.0f} days"
