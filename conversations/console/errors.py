"""Errors of the merchant console.

ConsoleError
├── UserExists      create-user named an account that is already there
├── UnknownUser     a command named an account that does not exist
├── WeakPassword    a password too short to set
└── BadInput        a request sent a value that cannot be read (answered with 400)
"""

from __future__ import annotations


class ConsoleError(Exception):
    """Root of the console's errors."""


class UserExists(ConsoleError):
    pass


class UnknownUser(ConsoleError):
    pass


class WeakPassword(ConsoleError):
    pass


class BadInput(ConsoleError):
    """Its message says, in a line a client can show, what was wrong."""


__all__ = ["BadInput", "ConsoleError", "UnknownUser", "UserExists", "WeakPassword"]
