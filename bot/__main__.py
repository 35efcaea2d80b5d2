"""CLI entry point (`wismo …` / `python -m bot`): the only code that reads os.environ and .env."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from bot.cli import registrars
from bot.errors import BotError


def environment(env_file: str | None = ".env") -> dict[str, str]:
    """The process environment over the values of the .env file (the environment wins)."""
    values: dict[str, str] = {}
    if env_file and os.path.exists(env_file):
        # Imported only when there is a file to read: ~20 ms of a one-message `wismo parse`.
        from dotenv import dotenv_values

        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ)
    return values


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The CLI's parser; with `command`, only that subcommand is registered (and imported)."""
    parser = _top_level()
    subcommands = parser.add_subparsers(dest="command", required=True)
    for register in registrars(command):
        register(subcommands)
    return parser


def _top_level(*, add_help: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wismo", description=__doc__, add_help=add_help)
    parser.add_argument("--env-file", default=".env", help="dotenv file to read (default .env)")
    return parser


def _command(argv: Sequence[str] | None) -> str | None:
    """The subcommand named in `argv`, if any, read without knowing the subcommands."""
    peek = _top_level(add_help=False)
    peek.add_argument("command", nargs="?")
    known, _ = peek.parse_known_args(argv)
    command: str | None = known.command
    return command


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(_command(argv))
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args, environment(args.env_file))
    except BotError as exc:
        print(f"wismo: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
