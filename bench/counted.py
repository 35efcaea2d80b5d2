"""`wismo` with its database work counted, for bench.cost: `python -m bench.counted serve …`.

Listeners on SQLAlchemy's Engine class count, in every engine the process makes, the statements
sent to the database (each cursor execution), commits, rollbacks and connection checkouts (on
PostgreSQL each checkout costs a `pool_pre_ping` round trip while that is on). On SIGUSR1 the
counts are written as JSON to the file named by WISMO_BENCH_COUNTS. Nothing here is part of
the product: the server runs exactly as `wismo` would.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

COUNTS = {"statements": 0, "commits": 0, "rollbacks": 0, "checkouts": 0}
BY_STATEMENT: Counter[str] = Counter()  # with WISMO_BENCH_STATEMENTS=1: which ones ran


def _statement(*_: Any) -> None:
    COUNTS["statements"] += 1


def _statement_named(*arguments: Any) -> None:
    COUNTS["statements"] += 1
    BY_STATEMENT[" ".join(str(arguments[2]).split())[:160]] += 1


def _commit(*_: Any) -> None:
    COUNTS["commits"] += 1


def _rollback(*_: Any) -> None:
    COUNTS["rollbacks"] += 1


def _checkout(*_: Any) -> None:
    COUNTS["checkouts"] += 1


def _dump(_signal: int, _frame: FrameType | None) -> None:
    target = Path(os.environ["WISMO_BENCH_COUNTS"])
    partial = target.with_suffix(".part")
    partial.write_text(json.dumps({**COUNTS, "by_statement": dict(BY_STATEMENT)}))
    partial.replace(target)


def main() -> int:
    # Read once: the listener runs for every statement the server sends.
    named = bool(os.environ.get("WISMO_BENCH_STATEMENTS"))
    event.listen(Engine, "before_cursor_execute", _statement_named if named else _statement)
    event.listen(Engine, "commit", _commit)
    event.listen(Engine, "rollback", _rollback)
    event.listen(Pool, "checkout", _checkout)
    signal.signal(signal.SIGUSR1, _dump)
    from bot.__main__ import main as wismo

    return wismo(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
