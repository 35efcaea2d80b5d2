"""Subcommands of the `wismo` CLI; each module registers its own parser."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot.cli import db, serve

Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]

COMMANDS: tuple[Register, ...] = (serve.register, db.register)
