"""Subcommands of the `wismo` CLI: every module in this package with a `register` function."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from collections.abc import Callable, Iterator

Register = Callable[[argparse._SubParsersAction], None]  # type: ignore[type-arg]


def registrars(only: str | None = None) -> Iterator[Register]:
    """Each subcommand module's `register`, in module-name order (so `--help` is stable).

    With `only` naming a subcommand, just that one: each module is named after the command it
    registers, and importing all of them (the service, alembic) would cost a one-shot command
    like `wismo parse` a second of start-up.
    """
    names = sorted(info.name for info in pkgutil.iter_modules(__path__))
    if only in names:
        names = [only]
    for name in names:
        module = importlib.import_module(f"{__name__}.{name}")
        register = getattr(module, "register", None)
        if register is not None:
            yield register
