"""The console's and the API's routes (conversations/console/mount.py) name their handlers by
name, looked up in web.py or api.py at the first request: each name must be there."""

from __future__ import annotations

import inspect
from importlib import import_module

import pytest

from conversations.console.mount import API, API_ROUTES, CONSOLE_ROUTES, PAGES, Route


@pytest.mark.parametrize(
    ("module", "route"),
    [(PAGES, route) for route in CONSOLE_ROUTES] + [(API, route) for route in API_ROUTES],
    ids=lambda value: value.name if isinstance(value, Route) else "",
)
def test_every_route_names_a_request_handler_of_its_module(module: str, route: Route) -> None:
    handler = getattr(import_module(module), route.handler, None)
    assert inspect.iscoroutinefunction(handler)
    assert list(inspect.signature(handler).parameters) in (["request"], ["_request"])


def test_both_middlewares_are_there() -> None:
    assert inspect.iscoroutinefunction(import_module(PAGES).guard)
    assert inspect.iscoroutinefunction(import_module(API).bearer)
