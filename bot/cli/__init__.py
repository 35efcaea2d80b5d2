"""Subcommands of the `wismo` CLI: every module in this package with a `register` function."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from collections.abc import Callable, Iterator

Register = Callable[[argparse._SubParsersAction], None]  # type: ignore[type-arg]


def registrars() -> Iterator[Register]:
    """Each subcommand module's `register`, in module-name order (so `--help` is stable)."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda module: module.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            yield register
