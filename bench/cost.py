"""The work behind one answered question: CPU and database statements, read off `wismo serve`.

    .venv/bin/python -m bench.cost [--questions 600] [--warm 200] [--database-url URL]

This process plays Meta's Graph API (the test fake, which also echoes every reply back to the
webhook as Meta does); `wismo serve` runs in its own process under bench/counted.py, which counts
its statements, commits, rollbacks and connection checkouts. Each buyer asks about a sandbox
parcel ("hi, where is my parcel {number}?"), so each question is a real turn: the dialogue,
a cached tracking lookup, a reply through the outbox, and the echo of that reply.

First `--warm` questions fill the tracking cache and the server's lazy imports; then the server
is left idle for a few seconds to measure what it does with nothing to do (statements/s while
idle); then `--questions` are flooded (16 connections) and counted from the first POST until the
last reply has arrived and the server has fallen idle again. CPU is the server process's user +
system time from /proc (all its threads: aiosqlite runs SQLite in one of its own).

Reported per answered question: CPU ms, statements, commits, rollbacks, checkouts; and the
questions/s one process could answer if CPU were the only limit (1000 / CPU ms).

The server paces its Graph calls at `--send-rate` per account (WISMO_SEND_RATE, default the
settings' ceiling of 300). A flood from one account outruns Meta's 100 calls/s, and the pacer
then drops `mark_seen` actions it could only send late; at 300 it drops none, so each question
is counted with the whole work a question brings when the account is not flooded. The report's
`graph_mark_seen_per_question` says how many went.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.webhook import (
    ACCOUNT,
    ROOT,
    SECRET,
    WEBHOOK,
    _wismo_run,
    cpu_seconds,
    running,
    sampled,
    wismo_env,
)

TEXT = "hi, where is my parcel {number}?"
ECHO_DELAY = 0.5
"""Meta posts the echo of a sent message after the Send API has answered, not at once; the
fake waits this long. With 0 the echo races the sender recording the send's result."""
SEND_RATE = 300.0  # the settings' ceiling: the pacer drops no sender action of the flood
IDLE_WINDOW = 4.0  # seconds the idle server is watched
SETTLED_RATE = 2.0  # statements/s above the idle rate that still count as "busy"


async def _counts(pid: int, path: Path) -> dict[str, Any]:
    """The server's counters and CPU time, now."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + 10
    while not path.exists() or path.stat().st_mtime_ns == before:
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not write its counts")
        await asyncio.sleep(0.01)
    counts: dict[str, Any] = json.loads(path.read_text())
    counts["cpu"] = cpu_seconds(pid)
    counts["at"] = time.monotonic()
    return counts


def _graph_requests(requests: list[Any]) -> Counter[str]:
    """The Graph API requests wismo made, by kind: a message sent, each sender action, other."""
    kinds: Counter[str] = Counter()
    for request in requests:
        body = request.body if isinstance(request.body, dict) else {}
        if "message" in body:
            kinds["sends"] += 1
        elif "sender_action" in body:
            kinds[str(body["sender_action"])] += 1
        else:
            kinds["other"] += 1
    return kinds


def _difference(after: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    difference: dict[str, Any] = {}
    for key, value in after.items():
        if isinstance(value, dict):
            old = before.get(key, {})
            difference[key] = {k: v - old.get(k, 0) for k, v in value.items() if v != old.get(k)}
        else:
            difference[key] = value - before[key]
    return difference


async def _settle(pid: int, path: Path, idle_rate: float) -> dict[str, Any]:
    """The counts once the server is back to its idle rate of statements."""
    previous = await _counts(pid, path)
    while True:
        await asyncio.sleep(1.0)
        current = await _counts(pid, path)
        step = _difference(current, previous)
        if step["statements"] / step["at"] <= idle_rate + SETTLED_RATE:
            return current
        previous = current


async def measure(arguments: argparse.Namespace) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from tests.fakes.graph_api import running_graph_api  # the bench plays Meta with the test fake

    workdir = Path(tempfile.mkdtemp(prefix="wismo-cost-"))
    counts_file = workdir / "counts.json"
    database_url = arguments.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    report: dict[str, Any] = {
        "database": database_url.split("://")[0],
        "cpus": os.cpu_count(),
        "echo_delay_s": arguments.echo_delay,
        "send_rate": arguments.send_rate,
    }
    async with running_graph_api(account_id=ACCOUNT) as fake:
        server_env = wismo_env(
            database_url,
            fake.url,
            WISMO_BENCH_COUNTS=str(counts_file),
            WISMO_BENCH_STATEMENTS=os.environ.get("WISMO_BENCH_STATEMENTS", ""),
            WISMO_SEND_RATE=str(arguments.send_rate),
        )
        serve = [sys.executable, "-m", "bench.counted", "--env-file", "", "serve"]
        serve += ["--port", "0", "--migrate"]
        async with running(serve, server_env, workdir / "wismo.log") as (pid, url):
            fake.deliver_echoes(url + WEBHOOK, SECRET, delay=arguments.echo_delay)
            warm = await _wismo_run(fake, url, arguments.warm, 0.0, 16, None, "w", workdir, TEXT)
            if warm["lost_replies"]:
                raise RuntimeError("warm-up questions went unanswered")
            idle_start = await _settle(pid, counts_file, idle_rate=50.0)
            await asyncio.sleep(IDLE_WINDOW)
            idle = _difference(await _counts(pid, counts_file), idle_start)
            idle_rate = idle["statements"] / idle["at"]
            requests_before = len(fake.requests)
            async with sampled(pid, arguments.profile):
                before = await _counts(pid, counts_file)
                run = await _wismo_run(
                    fake, url, arguments.questions, 0.0, 16, None, "q", workdir, TEXT
                )
                spent = _difference(await _settle(pid, counts_file, idle_rate), before)
            graph = _graph_requests(fake.requests[requests_before:])
    answered = arguments.questions - run["lost_replies"]
    cpu_ms = spent["cpu"] * 1000 / answered
    report.update(
        {
            "questions": arguments.questions,
            "answered": answered,
            "duplicated_replies": run["duplicated_replies"],
            "cpu_ms_per_question": round(cpu_ms, 2),
            "questions_per_cpu_second": round(1000 / cpu_ms, 1),
            "idle_statements_per_s": round(idle_rate, 1),
            "idle_cpu_percent": round(100 * idle["cpu"] / idle["at"], 1),
            "seconds": round(spent["at"], 1),
        }
    )
    for key in ("statements", "commits", "rollbacks", "checkouts"):
        report[f"{key}_per_question"] = round(spent[key] / answered, 1)
    for kind, count in sorted(graph.items()):
        report[f"graph_{kind}_per_question"] = round(count / answered, 2)
    if spent["by_statement"]:
        ranked = sorted(spent["by_statement"].items(), key=lambda item: -item[1])
        report["by_statement"] = {text: round(n / answered, 2) for text, n in ranked}
    return report


def _print(report: dict[str, Any]) -> None:
    print(f"{report['questions']} questions, {report['database']}, {report['cpus']} CPUs")
    for key, value in report.items():
        if key not in ("questions", "database", "cpus"):
            if isinstance(value, dict):
                for text, per_question in value.items():
                    print(f"    {per_question:6}  {text}")
            else:
                print(f"  {key:28}{value}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--questions", type=int, default=600)
    parser.add_argument("--warm", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--echo-delay",
        type=float,
        default=ECHO_DELAY,
        help=f"seconds from a delivered reply to its echo webhook (default {ECHO_DELAY})",
    )
    parser.add_argument(
        "--send-rate",
        type=float,
        default=SEND_RATE,
        help=f"Graph calls per second per account the server paces to (default {SEND_RATE:g})",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--profile", metavar="FILE", help="py-spy's collapsed stacks (pip install py-spy)"
    )
    arguments = parser.parse_args(argv)
    report = asyncio.run(measure(arguments))
    print(json.dumps(report) if arguments.json else "", end="\n" if arguments.json else "")
    if not arguments.json:
        _print(report)


if __name__ == "__main__":
    main()
