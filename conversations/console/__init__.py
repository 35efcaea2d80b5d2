"""The merchant console (/console) and the read-only JSON API (/api/v1), mounted by create_app.

The package reaches the rest of wismo only through `ConsolePorts` (ports.py), so it imports
nothing from `bot` or `carriers`.
"""

from __future__ import annotations

from conversations.console.api import api_app
from conversations.console.auth import Authenticator, LoginLimits, SessionPolicy
from conversations.console.context import CONTEXT, ConsoleContext, ConsoleOptions
from conversations.console.ports import ConsolePorts
from conversations.console.web import console_app

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
