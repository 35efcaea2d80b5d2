"""Webhook benchmark: flood `wismo serve` with signed events, side by side with a bare endpoint.

    .venv/bin/python -m bench.webhook [--events 2000] [--concurrency 16] [--duplicates 0.1]
                                      [--steady-rate 20] [--database-url URL]
                                      [--text "where is {number}?"]

Three processes: this one (it plays Meta's Graph API, recording every reply), the server under
test, and a separate flooder that POSTs the signed events and times each answer. Each event is
one buyer's first message, so each should get exactly one reply; duplicates (the same body
delivered again, as Meta does) must not get another. The same flood first goes to a bare
aiohttp endpoint that answers 200 and does nothing, which is the ceiling on this machine.

Reported: ACK latency p50/p99/max and events/s for both (and wismo's share of the ceiling),
then end-to-end latency from POST to the reply reaching the Graph API, and lost and duplicated
replies. A second, steady run at `--steady-rate` events/s shows the latency a buyer sees when
the service is not saturated. `--text` sets what buyers write: the default gets the dialogue's
request for a number; with `{number}` each buyer asks about a sandbox parcel, and since the
flood runs first, the steady run shows a buyer's latency with a warm tracking cache.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.app import event_loop
from bot.instagram.signature import sign

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-app-secret"
ACCOUNT = "17841400000000001"
WEBHOOK = "/webhooks/instagram"


# -- the flooder (its own process) -------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    buyer: str
    body: bytes
    duplicate: bool


def plan(
    events: int, duplicates: float, seed: int, run: str, text: str = "where is my order?"
) -> list[Delivery]:
    """One message per buyer; a share of the bodies is delivered a second time, later on.

    `text` is what each buyer writes; `{number}` in it is replaced by a sandbox parcel's
    tracking number, a different one for each buyer in turn.
    """
    numbers = _sandbox_numbers() if "{number}" in text else ["-"]
    generator = random.Random(seed)
    base = int(time.time() * 1000)
    plan: list[Delivery] = []
    for index in range(events):
        buyer = f"9{run}{index:08d}"
        body = {
            "object": "instagram",
            "entry": [
                {
                    "id": ACCOUNT,
                    "time": base + index,
                    "messaging": [
                        {
                            "sender": {"id": buyer},
                            "recipient": {"id": ACCOUNT},
                            "timestamp": base + index,
                            "message": {
                                "mid": f"aWdfbench{run}{index:08d}",
                                "text": text.format(number=numbers[index % len(numbers)]),
                            },
                        }
                    ],
                }
            ],
        }
        plan.append(Delivery(buyer, json.dumps(body, separators=(",", ":")).encode(), False))
    again = [
        Delivery(item.buyer, item.body, True)
        for item in generator.sample(plan, int(events * duplicates))
    ]
    for item in again:
        # A duplicate comes after its original, somewhere later in the flood.
        original = next(i for i, d in enumerate(plan) if d.buyer == item.buyer)
        plan.insert(generator.randint(original + 1, len(plan)), item)
    return plan


def _sandbox_numbers() -> list[str]:
    """The sandbox parcels that have a shipment to show (not the not-found or failing ones)."""
    from carriers.sandbox import scenario, scenarios

    return [
        s.number
        for s in scenarios()
        if (found := scenario(s.number)) is not None and found.outcome == "shipment"
    ]


async def flood(
    url: str, deliveries: Sequence[Delivery], concurrency: int, rate: float | None
) -> dict[str, Any]:
    headers = [
        {"Content-Type": "application/json", "X-Hub-Signature-256": sign(d.body, SECRET.encode())}
        for d in deliveries
    ]
    results: list[dict[str, Any]] = [{} for _ in deliveries]
    queue: asyncio.Queue[int] = asyncio.Queue()
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            while True:
                index = await queue.get()
                sent = time.time()
                status: int | str
                started = time.perf_counter()
                try:
                    async with session.post(
                        url, data=deliveries[index].body, headers=headers[index]
                    ) as response:
                        await response.read()
                        status = response.status
                except aiohttp.ClientError as exc:
                    status = type(exc).__name__
                results[index] = {
                    "buyer": deliveries[index].buyer,
                    "duplicate": deliveries[index].duplicate,
                    "sent": sent,
                    "ack": time.perf_counter() - started,
                    "status": status,
                }
                queue.task_done()

        workers = [asyncio.create_task(worker()) for _ in range(concurrency)]
        began = time.perf_counter()
        for index in range(len(deliveries)):
            if rate is not None:
                due = began + index / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            queue.put_nowait(index)
        await queue.join()
        elapsed = time.perf_counter() - began
        for task in workers:
            task.cancel()
    return {"elapsed": elapsed, "results": results}


def run_flooder(arguments: argparse.Namespace) -> None:
    deliveries = plan(
        arguments.events, arguments.duplicates, arguments.seed, arguments.run, arguments.text
    )
    outcome = asyncio.run(flood(arguments.url, deliveries, arguments.concurrency, arguments.rate))
    Path(arguments.out).write_text(json.dumps(outcome))


# -- the bare endpoint (its own process) ----------------------------------------------------


def run_bare(arguments: argparse.Namespace) -> None:
    async def ok(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="EVENT_RECEIVED")

    async def serve() -> None:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_post(WEBHOOK, ok)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        print(f"bare: listening on http://{host}:{port}", flush=True)
        await asyncio.Event().wait()

    event_loop.run(serve(), arguments.loop)


# -- the orchestrator ----------------------------------------------------------------------


def plain_env() -> dict[str, str]:
    """This process's environment without any WISMO_ or META_ setting of its own."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("WISMO_", "META_"))}


def wismo_env(database_url: str, graph_url: str, **extra: str) -> dict[str, str]:
    """The environment of a `wismo serve` under test, answering through the fake Graph API at
    `graph_url`."""
    return {
        **plain_env(),
        "WISMO_DATABASE_URL": database_url,
        "META_APP_SECRET": SECRET,
        "META_VERIFY_TOKEN": "bench",
        "META_ACCESS_TOKEN": "fake-instagram-user-token",
        "META_GRAPH_URL": graph_url,
        "META_IG_ACCOUNT_ID": ACCOUNT,
        "WISMO_LOG_LEVEL": "WARNING",
        # Meta's ceiling per account; the bench measures wismo, not the pacing.
        "WISMO_SEND_RATE": "100",
        **extra,
    }


async def _start(
    arguments: list[str], env: dict[str, str], log: Path
) -> tuple[asyncio.subprocess.Process, str]:
    with log.open("ab") as stderr:
        process = await asyncio.create_subprocess_exec(
            *arguments, cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=stderr
        )
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode().strip()
    if "listening on " not in line:
        raise RuntimeError(f"{arguments[2:4]} did not start: {line!r}; see {log}")
    return process, line.split("listening on ", 1)[1]


@contextlib.asynccontextmanager
async def running(
    arguments: list[str], env: dict[str, str], log: Path
) -> AsyncIterator[tuple[int, str]]:
    """A server process under test, as its pid and URL; terminated on exit."""
    process, url = await _start(arguments, env, log)
    try:
        yield process.pid, url
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), 60)


@contextlib.asynccontextmanager
async def sampled(pid: int, out: Path | str | None) -> AsyncIterator[None]:
    """py-spy sampling process `pid` into `out` (collapsed stacks, every thread) for the
    duration of the block, when asked for (`pip install py-spy`); nothing otherwise."""
    if out is None:
        yield
        return
    beside = Path(sys.executable).with_name("py-spy")  # installed in the venv, not on PATH
    py_spy = str(beside) if beside.exists() else "py-spy"
    command = [py_spy, "record", "--pid", str(pid), "--format", "raw", "--output", str(out)]
    command += ["--threads", "--nonblocking", "--rate", "200"]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    await asyncio.sleep(1.0)  # it attaches before the measured part starts
    try:
        yield
    finally:
        process.send_signal(signal.SIGINT)
        await process.wait()


def cpu_seconds(root: int) -> float:
    """User + system time of `root` and every process below it (children it waited for too),
    from /proc."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        times[pid] = sum(int(value) for value in fields[11:15]) / tick
    tree, grew = {root}, True
    while grew:
        below = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= below
        grew = bool(below)
    return sum(times.get(pid, 0.0) for pid in tree)


async def _flood_in_process(
    url: str,
    events: int,
    duplicates: float,
    concurrency: int,
    rate: float | None,
    run: str,
    workdir: Path,
    text: str = "where is my order?",
) -> dict[str, Any]:
    out = workdir / f"flood-{run}.json"
    arguments = [
        sys.executable, "-m", "bench.webhook", "flood", "--url", url + WEBHOOK,
        "--events", str(events), "--duplicates", str(duplicates), "--concurrency", str(concurrency),
        "--run", run, "--out", str(out), "--text", text,
    ]  # fmt: skip
    if rate is not None:
        arguments += ["--rate", str(rate)]
    process = await asyncio.create_subprocess_exec(*arguments, cwd=ROOT)
    await process.wait()
    if process.returncode != 0:
        raise RuntimeError("the flooder failed")
    outcome: dict[str, Any] = json.loads(out.read_text())
    return outcome


def _percentile(values: Sequence[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _ack_summary(outcome: dict[str, Any]) -> dict[str, Any]:
    results = outcome["results"]
    acks = [r["ack"] * 1000 for r in results]
    ok = [r for r in results if r["status"] == 200]
    return {
        "posts": len(results),
        "acknowledged": len(ok),
        "ack_p50_ms": round(_percentile(acks, 0.50), 2),
        "ack_p99_ms": round(_percentile(acks, 0.99), 2),
        "ack_max_ms": round(max(acks), 2),
        "events_per_s": round(len(ok) / outcome["elapsed"], 1),
    }


async def _wismo_run(
    fake: Any,
    url: str,
    events: int,
    duplicates: float,
    concurrency: int,
    rate: float | None,
    run: str,
    workdir: Path,
    text: str,
) -> dict[str, Any]:
    before = len(fake.delivered)
    outcome = await _flood_in_process(
        url, events, duplicates, concurrency, rate, run, workdir, text
    )
    summary = _ack_summary(outcome)
    buyers = {r["buyer"]: r["sent"] for r in outcome["results"] if not r["duplicate"]}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        replied = {m.recipient_id for m in fake.delivered[before:]}
        if buyers.keys() <= replied:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(2)  # a late duplicate reply, if any, has time to show up
    replies = [m for m in fake.delivered[before:] if m.recipient_id in buyers]
    counts = Counter(m.recipient_id for m in replies)
    # A long answer is several messages; a duplicate is the same message delivered again.
    copies = Counter((m.recipient_id, json.dumps(m.message, sort_keys=True)) for m in replies)
    first_reply: dict[str, float] = {}
    for message in replies:
        first_reply.setdefault(message.recipient_id, message.delivered_at.timestamp())
    latencies = [(first_reply[b] - sent) * 1000 for b, sent in buyers.items() if b in first_reply]
    summary.update(
        {
            "e2e_p50_ms": round(_percentile(latencies, 0.50), 1),
            "e2e_p99_ms": round(_percentile(latencies, 0.99), 1),
            "e2e_mean_ms": round(statistics.fmean(latencies), 1) if latencies else None,
            "lost_replies": len(buyers.keys() - counts.keys()),
            "duplicated_replies": sum(count - 1 for count in copies.values() if count > 1),
        }
    )
    return summary


async def _wait_idle(url: str, timeout: float = 300.0) -> None:
    """Until /healthz shows nothing left in the inbox or the outbox."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            async with session.get(url + "/healthz") as response:
                health = await response.json()
            outbox = health["outbox"]
            inbox = health["inbox"]
            if not inbox["pending"] + inbox["spooled"] and not outbox["queued"] + outbox["sending"]:
                return
            await asyncio.sleep(0.2)
    raise RuntimeError("wismo did not drain its backlog in time")


async def orchestrate(arguments: argparse.Namespace) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from tests.fakes.graph_api import running_graph_api  # the bench plays Meta with the test fake

    workdir = Path(tempfile.mkdtemp(prefix="wismo-bench-"))
    database_url = arguments.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    env = plain_env()
    report: dict[str, Any] = {
        "database": database_url.split("://")[0],
        "events": arguments.events,
        "duplicates": arguments.duplicates,
        "concurrency": arguments.concurrency,
        "cpus": os.cpu_count(),
    }
    async with running(
        [sys.executable, "-m", "bench.webhook", "bare"], env, workdir / "bare.log"
    ) as (_, bare):
        outcome = await _flood_in_process(
            bare, arguments.events, arguments.duplicates, arguments.concurrency, None, "0", workdir
        )
        report["bare"] = _ack_summary(outcome)

    async with running_graph_api(account_id=ACCOUNT) as fake:
        server_env = wismo_env(database_url, fake.url)
        serve = [sys.executable, "-m", "bot", "--env-file", "", "serve", "--port", "0", "--migrate"]
        async with running(serve, server_env, workdir / "wismo.log") as (_, url):
            fake.deliver_echoes(url + WEBHOOK, SECRET)
            report["wismo"] = await _wismo_run(
                fake,
                url,
                arguments.events,
                arguments.duplicates,
                arguments.concurrency,
                None,
                "1",
                workdir,
                arguments.text,
            )
            # The steady run starts on an idle service: the flood's echoes are handled first.
            await _wait_idle(url)
            report["steady"] = await _wismo_run(
                fake,
                url,
                arguments.steady_events,
                arguments.duplicates,
                4,
                arguments.steady_rate,
                "2",
                workdir,
                arguments.text,
            )
            report["steady"]["offered_rate"] = arguments.steady_rate
    report["ratio_events_per_s"] = round(
        report["wismo"]["events_per_s"] / report["bare"]["events_per_s"], 3
    )
    return report


def _print(report: dict[str, Any]) -> None:
    print(
        f"{report['events']} events, {report['duplicates']:.0%} delivered twice, "
        f"{report['concurrency']} connections, {report['database']}, {report['cpus']} CPUs"
    )
    print(f"{'':24}{'bare aiohttp':>16}{'wismo':>16}{'wismo steady':>16}")
    rows = [
        ("ACK p50 (ms)", "ack_p50_ms"),
        ("ACK p99 (ms)", "ack_p99_ms"),
        ("ACK max (ms)", "ack_max_ms"),
        ("events/s", "events_per_s"),
        ("reply p50 (ms)", "e2e_p50_ms"),
        ("reply p99 (ms)", "e2e_p99_ms"),
        ("lost replies", "lost_replies"),
        ("duplicated replies", "duplicated_replies"),
    ]
    for label, key in rows:
        values = [report[run].get(key, "") for run in ("bare", "wismo", "steady")]
        print(f"{label:24}" + "".join(f"{value!s:>16}" for value in values))
    print(f"wismo's events/s as a share of the bare endpoint's: {report['ratio_events_per_s']:.1%}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duplicates", type=float, default=0.1)
    parser.add_argument("--steady-rate", type=float, default=20.0)
    parser.add_argument("--steady-events", type=int, default=400)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--text",
        default="where is my order?",
        help="what each buyer writes; {number} becomes a sandbox tracking number",
    )
    flooder = commands.add_parser("flood")
    flooder.add_argument("--url", required=True)
    flooder.add_argument("--events", type=int, required=True)
    flooder.add_argument("--duplicates", type=float, default=0.1)
    flooder.add_argument("--concurrency", type=int, default=16)
    flooder.add_argument("--rate", type=float, default=None)
    flooder.add_argument("--run", default="0")
    flooder.add_argument("--seed", type=int, default=1)
    flooder.add_argument("--out", required=True)
    flooder.add_argument("--text", default="where is my order?")
    bare = commands.add_parser("bare")
    bare.add_argument(
        "--loop", choices=event_loop.CHOICES, default="asyncio", help="the bare endpoint's loop"
    )
    arguments = parser.parse_args(argv)
    if arguments.command == "flood":
        run_flooder(arguments)
    elif arguments.command == "bare":
        run_bare(arguments)
    else:
        report = asyncio.run(orchestrate(arguments))
        print(json.dumps(report, indent=2)) if arguments.json else _print(report)


if __name__ == "__main__":
    main()
