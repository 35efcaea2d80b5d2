"""`wismo transcripts`: regenerate docs/transcripts.md by playing its cases through wismo."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Mapping
from pathlib import Path

from bot.app import logs
from bot.devtools.transcripts import DEFAULT_OUTPUT, render


def register(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subcommands.add_parser(
        "transcripts", help="regenerate docs/transcripts.md (real replies to sample buyers)"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="file to write")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    logs.configure(env.get("WISMO_LOG_LEVEL") or "WARNING")
    text = asyncio.run(render())
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0
