"""The merchant console (/console) and the read-only JSON API (/api/v1), mounted by create_app.

The package reaches the rest of wismo only through `ConsolePorts` (ports.py), so it imports
nothing from `bot` or `carriers`. Importing it loads what start-up needs (the authenticator,
the context, the ports and the routes' table, mount.py); the pages and the API's handlers load
with their first request.
"""

from __future__ import annotations

from conversations.console.auth import Authenticator, LoginLimits, SessionPolicy
from conversations.console.context import CONTEXT, ConsoleContext, ConsoleOptions
from conversations.console.mount import api_app, console_app
from conversations.console.ports import ConsolePorts

__all__ = [
    "CONTEXT",
    "Authenticator",
    "ConsoleContext",
    "ConsoleOptions",
    "ConsolePorts",
    "LoginLimits",
    "SessionPolicy",
    "api_app",
    "console_app",
]
