"""Which event loop runs the service: uvloop where it is installed, asyncio's own otherwise.

The service is one process that waits on sockets and hands work to threads all day: the webhook,
the Graph and carrier calls, asyncpg's socket, and aiosqlite's and the spool's threads
waking the loop with `call_soon_threadsafe`. uvloop runs that same asyncio API on libuv, with the
loop's own bookkeeping (ready queue, selector, transports, thread wake-ups) in C; bench/README
"cost" and "intake" measure what it saves beside asyncio's loop in the same run.

`WISMO_EVENT_LOOP` chooses: `auto` (the default: uvloop when it can be imported, as on Linux and
macOS where it is a dependency; asyncio's loop on Windows, which uvloop does not support),
`uvloop` (refuse to start without it), or `asyncio` (for asyncio's debug mode, or to rule the
loop out when chasing a problem). Only the long-running commands (serve, demo, chat) use it; the
one-shot commands keep `asyncio.run`, where a loop's speed does not matter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Literal, TypeVar, get_args

from bot.errors import ConfigurationInvalid

EventLoopChoice = Literal["auto", "uvloop", "asyncio"]
CHOICES: tuple[str, ...] = get_args(EventLoopChoice)
SETTING = "WISMO_EVENT_LOOP"

T = TypeVar("T")
LoopFactory = Callable[[], asyncio.AbstractEventLoop]


def loop_factory(choice: str) -> LoopFactory:
    """The factory of the loop `choice` names; ConfigurationInvalid for an unknown name, or for
    `uvloop` where uvloop is not installed."""
    if choice not in CHOICES:
        raise ConfigurationInvalid(f"setting {SETTING} must be one of {', '.join(CHOICES)}")
    if choice == "asyncio":
        return asyncio.new_event_loop
    try:
        import uvloop
    except ImportError as exc:
        if choice == "uvloop":
            raise ConfigurationInvalid(
                f"setting {SETTING}=uvloop, but uvloop is not installed (pip install uvloop)"
            ) from exc
        return asyncio.new_event_loop
    factory: LoopFactory = uvloop.new_event_loop
    return factory


def run(main: Coroutine[Any, Any, T], choice: str = "auto") -> T:
    """Run `main` to completion on a new loop of `choice`, as `asyncio.run` does."""
    try:
        factory = loop_factory(choice)
    except ConfigurationInvalid:
        main.close()  # never awaited: close it so Python does not warn that it was not
        raise
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main)


def running_loop_name() -> str:
    """Which loop runs the caller, "uvloop" or "asyncio" (for the start-up log)."""
    module = type(asyncio.get_running_loop()).__module__
    return "uvloop" if module.startswith("uvloop") else "asyncio"
