"""What `wismo serve` leaves out of a process that does not need it (bench/README.md, memory):
alembic unless migrating, the PostgreSQL driver and SQLAlchemy's dialect for it on SQLite,
aiosmtplib without email updates, cryptography without WISMO_SECRET_KEY, tqdm outside the
commands that show progress, Jinja2 until a console page is shown, argon2 until a console
password is hashed or checked, prometheus-client until /metrics is scraped with its token, the
console's pages and API until their first request; the
tracking sources, the store clients and the SMS channel's sending side a shop has not
configured; no argon2 hash (64 MiB for a moment) to make the console's decoy; and one copy of
the reply catalogues."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from argon2 import PasswordHasher

from bot.replies.catalogs import locale_of
from bot.understanding.language import LANGUAGES
from conversations.console import auth
from tests.conftest import fresh_sqlite_url

DEFERRED = (
    "alembic",
    "asyncpg",
    "sqlalchemy.dialects.postgresql",
    "aiosmtplib",
    "cryptography",
    "tqdm",
    "jinja2",
    "argon2",
)
# Never needed: the SMS webhook's TwiML escapes its text with `html` (loaded anyway), not the
# 1 MB XML parser package that also offers an escape.
UNUSED = ("xml.sax",)
# Imported by the source or store a shop configures, by `wismo orders import`, never otherwise.
UNCONFIGURED = (
    "carriers.aftership",
    "carriers.seventeentrack",
    "carriers.kuaidi100",
    "carriers.dhl",
    "carriers.ups",
    "carriers.fedex",
    "carriers.usps",
    "carriers.sandbox",
    "stores.shopify",
    "stores.woocommerce",
    "stores.magento",
    "stores.importer",
)
# Loaded by the first authorised scrape of /metrics: never without WISMO_METRICS_TOKEN.
SCRAPE = ("prometheus_client", "bot.routes.metrics_registry", "bot.sms.metrics")
# The SMS channel's sending and webhook side: only on a shop with SMS updates.
SMS_CHANNEL = (
    "bot.sms.runtime",
    "bot.sms.sender",
    "bot.sms.twilio",
    "bot.sms.provider",
    "bot.sms.inbound",
)
# The console's pages and the JSON API, with what only they use: loaded by their first request.
CONSOLE_PAGES = (
    "conversations.console.web",
    "conversations.console.api",
    "conversations.console.queries",
    "conversations.console.accounts",
    "conversations.console.basis",
    "conversations.console.charts",
    "statistics",
)
# A demo service's settings: SQLite, no tracking source, no store, no push secret.
DEMO = {"META_APP_SECRET": "s", "META_VERIFY_TOKEN": "v", "META_ACCESS_TOKEN": "t"}
SMS = {
    "WISMO_UPDATES_SMS": "true",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "token",
    "TWILIO_FROM": "+14155550100",
    "WISMO_PUBLIC_URL": "https://shop.example",
    "WISMO_STORE_NAME": "Example Shop",
}
BUILT = (
    "import sys; from bot.app.factory import create_app; from bot.app.settings import Settings; "
)


def printed_by(probe: str) -> str:
    """What `probe` prints, run in a fresh interpreter (nothing imported by this test run)."""
    return subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout


def test_the_service_imports_nothing_an_idle_sqlite_service_does_not_use() -> None:
    probe = (
        "import sys; import bot.cli.serve, bot.app.factory; "
        f"print(sorted(m for m in {DEFERRED + UNUSED!r} if m in sys.modules))"
    )
    out = printed_by(probe)
    assert out.strip() == "[]"


def test_a_built_service_imports_no_source_or_store_it_was_not_configured_with() -> None:
    probe = (
        BUILT + f"create_app(Settings.from_mapping({DEMO!r})); "
        f"print(sorted(m for m in {UNCONFIGURED!r} if m in sys.modules))"
    )
    out = printed_by(probe)
    assert out.strip() == "[]"


def test_of_the_settings_models_only_the_whole_is_built() -> None:
    """The groups are bases of Settings, never validated alone (bot/app/sources.py)."""
    probe = (
        BUILT + "import pydantic; from bot.app import settings, sources; "
        f"Settings.from_mapping({DEMO!r}); "
        "models = [m for module in (settings, sources) for m in vars(module).values() "
        "if isinstance(m, type) and issubclass(m, pydantic.BaseModel)]; "
        "print(sorted(m.__name__ for m in models if m.__pydantic_complete__))"
    )
    assert printed_by(probe).strip() == "['Settings']"


def test_a_configured_source_and_store_are_imported_when_the_service_is_built() -> None:
    """The other side: the lazy imports still happen where they are needed."""
    configured = {
        **DEMO,
        "AFTERSHIP_API_KEY": "k",
        "AFTERSHIP_WEBHOOK_SECRET": "w",
        "WISMO_STORE_SOURCE": "shopify",
        "SHOPIFY_SHOP": "example",
        "SHOPIFY_ACCESS_TOKEN": "t",
    }
    probe = (
        BUILT + f"create_app(Settings.from_mapping({configured!r})); "
        f"print(sorted(m for m in {UNCONFIGURED!r} if m in sys.modules))"
    )
    out = printed_by(probe)
    assert out.strip() == "['carriers.aftership', 'stores.shopify']"


def started_and_stopped(settings: dict[str, str], *, watch: str = "", report: str) -> str:
    """What `report` (an expression) prints after a fresh interpreter started a service with
    `settings` and stopped it; `watch` runs before anything is imported."""
    probe = f"""
import asyncio, collections, sys
from pathlib import Path
{watch}
from aiohttp import web
from bot.app.factory import create_app
from bot.app.settings import Settings


async def start_and_stop():
    runner = web.AppRunner(create_app(Settings.from_mapping({settings!r})))
    await runner.setup()
    await runner.cleanup()


asyncio.run(start_and_stop())
print({report})
"""
    return printed_by(probe)


def test_a_started_sqlite_service_has_not_imported_postgresql_s_dialect_or_driver(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """SQLAlchemy's PostgreSQL dialect is 2 MB resident (foundation/indexes.py, columns.py)."""
    demo = {**DEMO, "WISMO_DATABASE_URL": fresh_sqlite_url(sqlite_template, tmp_path)}
    postgresql = ("sqlalchemy.dialects.postgresql", "asyncpg", "alembic")
    loaded = f"sorted(m for m in sys.modules if m.startswith({postgresql!r}))"
    assert started_and_stopped(demo, report=loaded).strip() == "[]"


def test_a_started_service_without_metrics_token_or_sms_holds_neither_s_modules(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """prometheus-client and the families' reads (1 MB) wait for a scrape, which needs the
    token; the SMS channel's sender, Twilio client and webhooks wait for SMS updates, and
    phonenumbers for a number to read (without SMS, a buyer asking for texts)."""
    demo = {**DEMO, "WISMO_DATABASE_URL": fresh_sqlite_url(sqlite_template, tmp_path)}
    never = (*SCRAPE, *SMS_CHANNEL, "phonenumbers")
    loaded = f"sorted(m for m in {never!r} if m in sys.modules)"
    assert started_and_stopped(demo, report=loaded).strip() == "[]"


def test_a_started_service_has_built_no_model_of_a_rare_answer(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """The account calls', the Conversations and profile lookups' and Graph errors' models
    are built at their first use, which an idle service has not had."""
    demo = {**DEMO, "WISMO_DATABASE_URL": fresh_sqlite_url(sqlite_template, tmp_path)}
    rare = ("bot.instagram.account_api", "bot.instagram.graph_errors", "bot.instagram.sendapi")
    built = (
        "[f'{m}.{name}' for m in "
        f"{rare!r} for name, model in vars(sys.modules[m]).items() "
        "if getattr(model, '__module__', '') == m and getattr(model, '__pydantic_complete__', 0)]"
    )
    # _SendResponse: every reply sent reads one.
    assert ast.literal_eval(started_and_stopped(demo, report=built)) == [
        "bot.instagram.sendapi._SendResponse"
    ]


def test_a_started_service_has_not_loaded_the_console_s_pages_or_api(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """Their routes are registered (conversations/console/mount.py); their modules load with
    the first request to /console or /api/v1."""
    demo = {**DEMO, "WISMO_DATABASE_URL": fresh_sqlite_url(sqlite_template, tmp_path)}
    loaded = f"sorted(m for m in {CONSOLE_PAGES!r} if m in sys.modules)"
    assert started_and_stopped(demo, report=loaded).strip() == "[]"


def test_a_started_service_with_sms_updates_has_its_channel_s_modules(
    sqlite_template: Path, tmp_path: Path
) -> None:
    with_sms = {
        **DEMO,
        **SMS,
        "WISMO_DATABASE_URL": fresh_sqlite_url(sqlite_template, tmp_path),
    }
    loaded = f"sorted(m for m in {SMS_CHANNEL!r} if m in sys.modules)"
    assert started_and_stopped(with_sms, report=loaded).strip() == repr(sorted(SMS_CHANNEL))


def test_a_started_service_reads_each_reply_catalogue_once(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """The dialogue, the SMS channel and proactive updates write from the same catalogues;
    each copy would hold the compiled catalogues of every language again."""
    with_sms = {**DEMO, **SMS, "WISMO_DATABASE_URL": fresh_sqlite_url(sqlite_template, tmp_path)}
    count_reads = """
reads = collections.Counter()


def count_catalogue_reads(event, args):
    if event == "open" and str(args[0]).endswith(".po"):
        reads[Path(args[0]).parts[-3]] += 1


sys.addaudithook(count_catalogue_reads)
"""
    out = started_and_stopped(with_sms, watch=count_reads, report="sorted(reads.items())")
    assert dict(ast.literal_eval(out)) == {str(locale_of(language)): 1 for language in LANGUAGES}


def test_the_console_imports_argon2_for_a_password_not_for_its_authenticator() -> None:
    probe = (
        "import sys; from datetime import UTC, datetime; "
        "from conversations.console.auth import Authenticator; "
        "a = Authenticator(None, clock=lambda: datetime.now(UTC)); "
        "print('argon2' in sys.modules); a._verify(None, 'guess'); print('argon2' in sys.modules)"
    )
    out = printed_by(probe)
    assert out.split() == ["False", "True"]


def test_the_console_decoy_has_the_default_hasher_parameters() -> None:
    """Else each Authenticator would hash a decoy of its own when it is made."""
    assert not PasswordHasher().check_needs_rehash(auth._DEFAULT_DECOY)
