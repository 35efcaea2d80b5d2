"""`wismo orders import FILE.csv` and `wismo orders find NUMBER`: the merchant's order commands.

`orders import` exits 0 when every row was imported, 1 when some rows were not (each is listed
with its line number and why; the others are imported), 2 when the file cannot be read at all.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NoReturn, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
from tqdm import tqdm

from bot.app.database import ensure_migrated, migrate
from bot.app.orders import order_source
from bot.app.settings import Settings
from bot.cli.db import database_url
from bot.cli.offline import settings_without_meta
from bot.errors import ConfigurationInvalid
from carriers.number_check import CheckedNumber, Problem, check_number, unknown_carrier_message
from carriers.numbers import NumberDetector, load_detector
from foundation.database import create_engine, create_sessions
from stores.errors import StoreError, StoreLookupFailed
from stores.importer import CheckedParcel, ImportReport, OrderImporter, ParcelCheck, Stage
from stores.lookup import OrderLookup
from stores.repository import OrderRepository
from stores.verification import SupportedProofs

SHOWN_PROBLEMS = 100
STORE_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def register(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subcommands.add_parser("orders", help="import and look up orders")
    actions = parser.add_subparsers(dest="orders_command", required=True)

    importing = actions.add_parser(
        "import",
        help="import orders from a CSV file",
        description="Import orders from a CSV file (columns: see the README). Exit status: "
        "0 all rows imported, 1 some rows were not (listed with line numbers), 2 unreadable.",
    )
    importing.add_argument("file", type=Path, help="the CSV file (UTF-8; a BOM is fine)")
    importing.add_argument(
        "--timezone",
        default="UTC",
        help="IANA zone for ordered_at values written without an offset (default UTC)",
    )
    importing.add_argument(
        "--encoding", default="utf-8", help="the file's encoding if not UTF-8 (e.g. gbk, cp1252)"
    )
    importing.add_argument("--quiet", action="store_true", help="no progress bar")
    importing.add_argument(
        "--all-problems",
        action="store_true",
        help=f"list every row that was not imported (default: the first {SHOWN_PROBLEMS})",
    )
    importing.add_argument(
        "--migrate", action="store_true", help="apply pending database migrations first"
    )
    importing.set_defaults(run=run_import)

    finding = actions.add_parser(
        "find",
        help="look an order up through the configured store (checks the store settings)",
    )
    finding.add_argument("number", help="the order number, e.g. 1042 or '#1042'")
    finding.set_defaults(run=run_find)


class _ProgressBar:
    """tqdm bars on `stream`, one per stage of the import, each created when its total is known."""

    def __init__(self, enabled: bool, stream: TextIO) -> None:
        self._enabled = enabled
        self._stream = stream
        self._stage: Stage | None = None
        self._bar: tqdm[NoReturn] | None = None

    def __call__(self, stage: Stage, done: int, total: int) -> None:
        if not self._enabled:
            return
        bar = self._bar
        if bar is None or stage is not self._stage:
            self.close()
            self._stage = stage
            if stage is Stage.READING:
                bar = tqdm(
                    total=total, file=self._stream, desc="checking", unit="B", unit_scale=True
                )
            else:
                bar = tqdm(total=total, file=self._stream, desc="importing", unit=" orders")
            self._bar = bar
        bar.update(done - bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def parcel_check(detector: NumberDetector) -> ParcelCheck:
    """The import's tracking-number check, read as the bot reads a number: a number with no
    digit is left out; a wrong check digit, a format wismo does not know, an unknown carrier or
    one contradicting the format are imported (the carrier then left to detection) with a
    warning, so the merchant can fix the file."""

    def check(number: str, carrier: str | None) -> CheckedParcel:
        checked = check_number(detector, number, carrier=carrier)
        if isinstance(checked, CheckedNumber):
            return CheckedParcel(checked.number, checked.carrier)
        if checked.problem is Problem.UNKNOWN_CARRIER:
            assert carrier is not None
            # The number itself may still be fine: say so only when it is not.
            plain = check_number(detector, number)
            also = f"; {plain.message}" if not isinstance(plain, CheckedNumber) else ""
            message = f"{unknown_carrier_message(carrier)}{also}"
            return CheckedParcel(number, None, f"{message}; imported without a carrier")
        if checked.problem is Problem.NOT_A_NUMBER and not any(c.isdigit() for c in number):
            return CheckedParcel(number, None, f"{checked.message}; not imported", imported=False)
        if checked.problem is Problem.WRONG_CARRIER:
            return CheckedParcel(number, None, f"{checked.message}; imported without a carrier")
        return CheckedParcel(number, None, f"{checked.message}; imported as it is")

    return check


async def _import(args: argparse.Namespace, url: str, zone: ZoneInfo) -> ImportReport:
    engine = create_engine(url)
    bar = _ProgressBar(not args.quiet and sys.stderr.isatty(), sys.stderr)
    try:
        if args.migrate:
            await migrate(engine)
        await ensure_migrated(engine)
        importer = OrderImporter(
            OrderRepository(create_sessions(engine)),
            clock=lambda: datetime.now(UTC),
            default_zone=zone,
            check=parcel_check(load_detector()),
        )
        return await importer.import_file(args.file, encoding=args.encoding, progress=bar)
    finally:
        bar.close()
        await engine.dispose()


def print_report(report: ImportReport, *, all_problems: bool, out: TextIO, err: TextIO) -> None:
    """The summary on `out`; rows not imported and notices on `err`."""
    limit = None if all_problems else SHOWN_PROBLEMS
    for note in report.notices[:limit]:
        print(f"line {note.line}: note: {note.message}", file=err)
    for warning in report.parcel_warnings[:limit]:
        print(f"line {warning.line}: tracking number: {warning.message}", file=err)
    for problem in report.problems[:limit]:
        print(f"line {problem.line}: not imported: {problem.message}", file=err)
    hidden = max(0, len(report.problems) - SHOWN_PROBLEMS) if limit else 0
    if hidden:
        print(f"… and {hidden} more rows not imported (--all-problems lists them)", file=err)
    summary = (
        f"imported {report.orders} orders from {report.rows - len(report.problems)} of "
        f"{report.rows} rows ({report.created} new, {report.updated} updated, "
        f"{report.unchanged} unchanged)"
    )
    if report.merged_rows:
        summary += f"; {report.merged_rows} rows added parcels to an order named earlier"
    print(summary, file=out)
    if report.ignored_columns:
        print(f"ignored columns: {', '.join(report.ignored_columns)}", file=out)
    if report.parcel_warnings:
        left_out = sum(1 for warning in report.parcel_warnings if not warning.imported)
        print(
            f"{len(report.parcel_warnings)} tracking numbers look wrong (see above): "
            f"{len(report.parcel_warnings) - left_out} imported, {left_out} not imported",
            file=out,
        )
    if report.problems:
        print(f"{len(report.problems)} rows were not imported (see above)", file=out)


def run_import(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    try:
        zone = ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigurationInvalid(f"--timezone {args.timezone!r} is not an IANA zone") from exc
    try:
        report = asyncio.run(_import(args, database_url(env), zone))
    except StoreError as exc:
        print(f"wismo: {exc}", file=sys.stderr)
        return 2
    print_report(report, all_problems=args.all_problems, out=sys.stdout, err=sys.stderr)
    return 0 if report.complete else 1


async def _find(settings: Settings, number: str) -> int:
    engine = create_engine(settings.database_url)
    try:
        await ensure_migrated(engine)
        async with httpx.AsyncClient(timeout=STORE_TIMEOUT) as http:
            lookup = OrderLookup(
                OrderRepository(create_sessions(engine)),
                order_source(settings, http),
                clock=lambda: datetime.now(UTC),
                ttl=timedelta(seconds=settings.store_cache_ttl),
            )
            try:
                order = await lookup.find(number)
            except StoreLookupFailed as exc:
                print(f"wismo: the store could not answer: {exc}", file=sys.stderr)
                return 2
    finally:
        await engine.dispose()
    if order is None:
        print(f"no order {number} in {settings.store_source.value}")
        return 1
    ordered = order.ordered_at.date().isoformat() if order.ordered_at else "date unknown"
    print(
        f"order {order.order_number} ({order.source.value}, "
        f"{order.fulfillment_status.value}, ordered {ordered})"
    )
    for parcel in order.parcels:
        print(
            f"  parcel {parcel.tracking_number}"
            + (f" ({parcel.carrier})" if parcel.carrier else "")
        )
    if not order.parcels:
        print("  no tracking numbers yet")
    proofs = SupportedProofs.of(order)
    kinds = ", ".join(kind.value.replace("_", " ") for kind in sorted(proofs.kinds)) or "none"
    print(f"  buyers can prove it is theirs with: {kinds}")
    return 0


def run_find(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    return asyncio.run(_find(settings_without_meta(env, "orders-find"), args.number))
