"""`wismo track NUMBER`: look a parcel up through the cached tracking service, like the bot.

The number (or a tracking link) is read and its carriers ranked as the bot reads a message
(carriers/number_check.py), so the sources are asked in the bot's order (a carrier's own API,
Kuaidi100 for its company codes, then the aggregators). What no source can answer is refused
before any is asked: not a tracking number, a wrong check digit, an unknown carrier or one that
contradicts the number's format (exit 2, one line). Otherwise exit status: 0 found, 3 not found
yet, 4 every source failed (a one-line reason on stderr). With --json the shipment is printed as
one JSON object; without, as a few readable lines. The configured database (migrated) is the
cache, so repeated calls spend no quota.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bot.app.database import ensure_migrated
from bot.app.logs import configure
from bot.app.settings import Settings
from bot.app.tracking import KNOWN, build_tracking, source_name
from bot.cli.offline import settings_without_meta
from bot.errors import ConfigurationInvalid
from carriers.catalog import carrier as catalog_carrier
from carriers.lookup import Failed, Found, LookupResult, NotFoundYet
from carriers.models import Shipment, TrackingQuery
from carriers.number_check import CheckedNumber, Refusal, check_number
from carriers.numbers import load_detector
from foundation.database import create_engine, create_sessions

EXIT_FOUND = 0
EXIT_REFUSED = 2
EXIT_NOT_FOUND = 3
EXIT_FAILED = 4
SOURCE_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
REGISTRATION_WAIT = 15.0


def register(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subcommands.add_parser(
        "track",
        help="look up a tracking number",
        description="Look a parcel up through the cached tracking service. Exit status: "
        "0 found, 2 not a number any source can answer (said why), 3 not found yet, "
        "4 every source failed.",
    )
    parser.add_argument("number", help="the tracking number, or a tracking link")
    parser.add_argument(
        "--carrier", help="carrier slug or name, e.g. ups, yunexpress, 'China Post'"
    )
    parser.add_argument("--provider", help=f"ask only this source ({', '.join(KNOWN)})")
    parser.add_argument(
        "--refresh", action="store_true", help="ask the sources even when the cache is fresh"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    settings = settings_without_meta(env, "track")
    provider = source_name(args.provider) if args.provider else None
    checked = check_number(load_detector(), args.number, carrier=args.carrier or None)
    if isinstance(checked, Refusal):
        print(f"wismo: {checked.message}", file=sys.stderr)
        return EXIT_REFUSED
    # The outcome is the exit status plus one line; the sources' warnings would only repeat it.
    configure("ERROR")
    result = asyncio.run(_lookup(settings, args, checked, provider))
    return report(result, as_json=args.json, now=datetime.now(UTC))


async def _lookup(
    settings: Settings, args: argparse.Namespace, checked: CheckedNumber, provider: str | None
) -> LookupResult:
    engine = create_engine(settings.database_url)
    try:
        await ensure_migrated(engine)
        async with httpx.AsyncClient(timeout=SOURCE_TIMEOUT) as http:
            tracking = build_tracking(
                settings, http, create_sessions(engine), lambda: datetime.now(UTC)
            )
            if provider is not None and tracking.service.registry.get(provider) is None:
                raise ConfigurationInvalid(f"source {provider} is not configured (--provider)")
            try:
                query = TrackingQuery(number=checked.number, carrier=checked.carrier)
                result = await tracking.service.lookup(
                    query,
                    candidates=checked.candidates,
                    refresh=args.refresh,
                    stale_ok=False,
                    provider=provider,
                )
                # A first lookup registers the number with a push source: let that finish.
                await tracking.service.drain(REGISTRATION_WAIT)
                return result
            finally:
                await tracking.service.close()
    finally:
        await engine.dispose()


def report(result: LookupResult, *, as_json: bool, now: datetime) -> int:
    """Print the result; returns the exit status."""
    if isinstance(result, Found):
        if as_json:
            print(json.dumps(shipment_json(result), ensure_ascii=False))
        else:
            print(shipment_text(result, now))
        if result.degraded_reason:
            print(f"wismo: note: {result.degraded_reason}", file=sys.stderr)
        return EXIT_FOUND
    if isinstance(result, NotFoundYet):
        checks = "once" if result.checks == 1 else f"{result.checks} times"
        print(
            f"wismo: {result.number} not found yet: no source has information "
            f"(checked {checks} since {_when(result.since)})",
            file=sys.stderr,
        )
        return EXIT_NOT_FOUND
    cached = ""
    if isinstance(result, Failed) and result.cached is not None and result.cached_age is not None:
        cached = f" (last known: {result.cached.status.value}, {_age(result.cached_age)} old)"
    print(f"wismo: every source failed: {result.reason}{cached}", file=sys.stderr)
    return EXIT_FAILED


def shipment_json(found: Found) -> dict[str, Any]:
    """The public JSON shape of `wismo track --json`."""
    shipment = found.shipment
    window = shipment.estimated_delivery
    return {
        "number": shipment.number,
        "carrier": shipment.carrier,
        "status": shipment.status.value,
        "exception_reason": (
            shipment.exception_reason.value if shipment.exception_reason else None
        ),
        "needs_action": shipment.needs_action,
        "estimated_delivery": (
            None
            if window is None
            else {
                "earliest": window.earliest.isoformat() if window.earliest else None,
                "latest": window.latest.isoformat() if window.latest else None,
            }
        ),
        "events": [
            {
                "time": event.local_iso,
                "location": event.location,
                "description": event.description,
                "status": event.status.value,
            }
            for event in shipment.events
        ],
        "source": shipment.source,
        "checked_at": shipment.checked_at.isoformat(),
        "last_scan_at": shipment.last_scan_at.isoformat() if shipment.last_scan_at else None,
        "age_seconds": int(found.age.total_seconds()),
        "stale": found.stale,
        "served_from_cache": found.served_from_cache,
        "degraded_reason": found.degraded_reason,
    }


def shipment_text(found: Found, now: datetime) -> str:
    shipment: Shipment = found.shipment
    known = catalog_carrier(shipment.carrier) if shipment.carrier else None
    carrier = known.name if known else (shipment.carrier or "carrier unknown")
    status = shipment.status.value.replace("_", " ")
    if shipment.exception_reason is not None:
        status += f" ({shipment.exception_reason.value.replace('_', ' ')})"
    lines = [f"{shipment.number} · {carrier} · {status}"]
    freshness = "stale, " if found.stale else ""
    lines.append(
        f"  source {shipment.source}, checked {_age(found.age)} ago ({freshness}"
        f"{'from cache' if found.served_from_cache else 'just now'})"
    )
    if shipment.last_scan_at is not None:
        lines.append(f"  last carrier scan {_age(now - shipment.last_scan_at)} ago")
    window = shipment.estimated_delivery
    if window is not None and (window.earliest or window.latest):
        dates = [d.isoformat() for d in (window.earliest, window.latest) if d is not None]
        lines.append(f"  estimated delivery {' – '.join(dict.fromkeys(dates))}")
    for event in shipment.events:
        place = f"  {event.location}" if event.location else ""
        lines.append(f"  {event.local_iso}{place}  {event.description}")
    return "\n".join(lines)


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _age(age: timedelta) -> str:
    seconds = max(0, int(age.total_seconds()))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 90 * 60:
        return f"{seconds // 60} min"
    if seconds < 48 * 3600:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"
