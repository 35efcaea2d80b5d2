"""Console accounts: argon2 passwords, server-side sessions that expire, rate-limited logins.

A session is a random token in an HttpOnly cookie; the database keeps only its SHA-256, with
the session's CSRF token, when it began and when it was last used. It ends after `idle`
without a request or `absolute` after login, whichever comes first. Failed logins are counted
per account name and per client address over a sliding window; while either is over its limit
every attempt is refused before the password is even checked.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations.console.errors import UnknownUser, UserExists, WeakPassword
from conversations.console.inputs import plain_text
from conversations.console.tables import (
    ConsoleGrantRow,
    ConsoleSessionRow,
    ConsoleUserRow,
    LoginFailureRow,
)
from foundation.database import reserve

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_PASSWORD_LENGTH = 10
# Any constant: every process recording login attempts takes the same advisory lock.
_LOGIN_LOCK = 0x7769736D6F5F6C67  # "wismo_lg"
# What an unknown name's password is checked against, made once with PasswordHasher()'s
# parameters from a random password nobody kept. Its verdict is never used, only its cost, so
# it need not be secret; a constant spares each start-up an argon2 hash (64 MiB for a moment).
_DEFAULT_DECOY = (
    "$argon2id$v=19$m=65536,t=3,p=4$UIZhODR13I+OBceFtziAFA$"
    "XKZUzB4525ZTi8bxdSq8eC6/P1k6dWvp6Y2pVvxexUM"
)


@dataclass(frozen=True, slots=True)
class User:
    """A console user and the Instagram accounts whose conversations they may read."""

    id: int
    username: str
    all_accounts: bool
    accounts: frozenset[str]

    def can_read(self, account_id: str) -> bool:
        return self.all_accounts or account_id in self.accounts

    @property
    def scope(self) -> frozenset[str] | None:
        """The accounts to filter on; None means every account."""
        return None if self.all_accounts else self.accounts


@dataclass(frozen=True, slots=True)
class ActiveSession:
    user: User
    csrf_token: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    idle: timedelta = timedelta(hours=1)
    absolute: timedelta = timedelta(hours=12)
    # last_seen_at is written at most this often, so reading pages does not write every time.
    touch_every: timedelta = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class LoginLimits:
    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


class LoginRefusal(StrEnum):
    INVALID = "invalid"  # wrong name or password (never says which)
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True, slots=True)
class LoginOutcome:
    token: str | None = None  # the new session's cookie value when the login succeeded
    refusal: LoginRefusal | None = None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_username(username: str) -> str:
    """Trimmed, lower-cased, without control characters (PostgreSQL refuses NUL in text)."""
    return (plain_text(username, 64) or "").lower()


class Authenticator:
    """Users, logins and sessions, each operation its own unit of work."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime],
        policy: SessionPolicy = SessionPolicy(),
        limits: LoginLimits = LoginLimits(),
        hasher: PasswordHasher | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._policy = policy
        self._limits = limits
        self._given_hasher = hasher
        self._argon2: tuple[PasswordHasher, str] | None = None

    def _hasher_and_decoy(self) -> tuple[PasswordHasher, str]:
        """The hasher, and the hash an unknown name's password is checked against, made for the
        first password hashed or checked: a service whose console nobody logs in to (sessions
        are checked without argon2) never imports argon2 (bench/README.md, memory)."""
        if self._argon2 is None:
            from argon2 import PasswordHasher

            hasher = self._given_hasher or PasswordHasher()
            # Checked when the name is unknown, so a wrong name costs as long as a wrong
            # password: it must have the hasher's parameters (another hasher, or new defaults,
            # make their own).
            decoy = _DEFAULT_DECOY
            if hasher.check_needs_rehash(decoy):
                decoy = hasher.hash(secrets.token_urlsafe(16))
            self._argon2 = (hasher, decoy)
        return self._argon2

    # --- accounts ------------------------------------------------------------------------

    async def create_user(
        self,
        username: str,
        password: str,
        *,
        accounts: Collection[str] = (),
        all_accounts: bool = False,
    ) -> User:
        """Raises UserExists, or WeakPassword for a password under MIN_PASSWORD_LENGTH."""
        name = normalise_username(username)
        _check_password(password)
        hashed = await asyncio.to_thread(self._hash, password)
        now = self._clock()
        async with self._sessions() as session, session.begin():
            if await session.scalar(
                select(ConsoleUserRow.id).where(ConsoleUserRow.username == name)
            ):
                raise UserExists(f"console user {name!r} already exists")
            row = ConsoleUserRow(
                username=name,
                password_hash=hashed,
                all_accounts=all_accounts,
                disabled=False,
                created_at=now,
                password_changed_at=now,
            )
            session.add(row)
            await session.flush()
            for account in sorted(set(accounts)):
                session.add(ConsoleGrantRow(user_id=row.id, account_id=account))
            return User(row.id, name, all_accounts, frozenset(accounts))

    async def set_password(self, username: str, password: str) -> None:
        """Replace a user's password and end their sessions. Raises UnknownUser, WeakPassword."""
        _check_password(password)
        hashed = await asyncio.to_thread(self._hash, password)
        async with self._sessions() as session, session.begin():
            user_id = await self._user_id(session, username)
            await session.execute(
                update(ConsoleUserRow)
                .where(ConsoleUserRow.id == user_id)
                .values(password_hash=hashed, password_changed_at=self._clock())
            )
            await session.execute(
                delete(ConsoleSessionRow).where(ConsoleSessionRow.user_id == user_id)
            )

    async def grant(self, username: str, accounts: Collection[str]) -> None:
        """Let a user read these accounts too. Raises UnknownUser."""
        async with self._sessions() as session, session.begin():
            user_id = await self._user_id(session, username)
            existing = set(
                await session.scalars(
                    select(ConsoleGrantRow.account_id).where(ConsoleGrantRow.user_id == user_id)
                )
            )
            for account in sorted(set(accounts) - existing):
                session.add(ConsoleGrantRow(user_id=user_id, account_id=account))

    async def _user_id(self, session: AsyncSession, username: str) -> int:
        name = normalise_username(username)
        found = await session.scalar(
            select(ConsoleUserRow.id).where(ConsoleUserRow.username == name)
        )
        if found is None:
            raise UnknownUser(f"no console user {name!r}")
        return int(found)

    async def _user(self, session: AsyncSession, row: ConsoleUserRow) -> User:
        accounts = await session.scalars(
            select(ConsoleGrantRow.account_id).where(ConsoleGrantRow.user_id == row.id)
        )
        return User(row.id, row.username, row.all_accounts, frozenset(accounts))

    # --- logging in ------------------------------------------------------------------------

    async def login(self, username: str, password: str, *, address: str) -> LoginOutcome:
        """Check the password (unless rate-limited) and open a session when it is right.

        The attempt is recorded as a failure before argon2 runs and struck off only when the
        password was right, so parallel wrong passwords are counted as they start: however many
        arrive at once, no more than the limits are ever checked.
        """
        name = normalise_username(username)
        address = plain_text(address, 64) or ""
        now = self._clock()
        if not await self._reserve_attempt(name, address, now):
            return LoginOutcome(refusal=LoginRefusal.RATE_LIMITED)
        async with self._sessions() as session:
            row = await session.scalar(
                select(ConsoleUserRow).where(ConsoleUserRow.username == name)
            )
        stored = row.password_hash if row is not None and not row.disabled else None
        valid = await asyncio.to_thread(self._verify, stored, password)
        if row is None or row.disabled or not valid:
            return LoginOutcome(refusal=LoginRefusal.INVALID)
        token = secrets.token_urlsafe(32)
        async with self._sessions() as session, session.begin():
            session.add(
                ConsoleSessionRow(
                    token_hash=_digest(token),
                    user_id=row.id,
                    csrf_token=secrets.token_urlsafe(32),
                    created_at=now,
                    last_seen_at=now,
                    address=address,
                )
            )
            # The reserved attempt goes with the account's other failures.
            await session.execute(delete(LoginFailureRow).where(LoginFailureRow.username == name))
            await session.execute(
                delete(ConsoleSessionRow).where(
                    ConsoleSessionRow.created_at < now - self._policy.absolute
                )
            )
        return LoginOutcome(token=token)

    async def _reserve_attempt(self, name: str, address: str, now: datetime) -> bool:
        """Record this attempt as a failure unless the account or the address is already at
        its limit; False when rate-limited (nothing is recorded then)."""
        since = now - self._limits.window
        async with self._sessions() as session, session.begin():
            attempt = LoginFailureRow(username=name, address=address, at=now)
            over = partial(self._over_limit, session, name, address, since)
            if not await reserve(session, _LOGIN_LOCK, attempt, over):
                return False
            # Old failures count for nothing; drop them as we go.
            await session.execute(delete(LoginFailureRow).where(LoginFailureRow.at < since))
            return True

    async def _over_limit(
        self, session: AsyncSession, name: str, address: str, since: datetime
    ) -> bool:
        """Whether the account or the address has more failures since `since` than allowed
        (the attempt being reserved included)."""
        by_name = await session.scalar(
            select(func.count())
            .select_from(LoginFailureRow)
            .where(LoginFailureRow.username == name, LoginFailureRow.at >= since)
        )
        by_address = await session.scalar(
            select(func.count())
            .select_from(LoginFailureRow)
            .where(LoginFailureRow.address == address, LoginFailureRow.at >= since)
        )
        return (by_name or 0) > self._limits.per_account or (
            by_address or 0
        ) > self._limits.per_address

    def _hash(self, password: str) -> str:
        hasher, _ = self._hasher_and_decoy()
        return hasher.hash(password)

    def _verify(self, stored: str | None, password: str) -> bool:
        """Whether `password` matches `stored`; None (an unknown name) checks the decoy."""
        from argon2.exceptions import InvalidHashError, VerificationError

        hasher, decoy = self._hasher_and_decoy()
        try:
            return bool(hasher.verify(decoy if stored is None else stored, password))
        except (VerificationError, InvalidHashError):
            return False

    async def session(self, token: str | None) -> ActiveSession | None:
        """The live session of this cookie value, or None (unknown, expired or user disabled)."""
        if not token:
            return None
        now = self._clock()
        digest = _digest(token)
        async with self._sessions() as session, session.begin():
            found = await session.scalar(
                select(ConsoleSessionRow).where(ConsoleSessionRow.token_hash == digest)
            )
            if found is None:
                return None
            user = await session.get(ConsoleUserRow, found.user_id)
            expired = (
                now - found.last_seen_at > self._policy.idle
                or now - found.created_at > self._policy.absolute
            )
            if expired or user is None or user.disabled:
                await session.execute(
                    delete(ConsoleSessionRow).where(ConsoleSessionRow.token_hash == digest)
                )
                return None
            if now - found.last_seen_at > self._policy.touch_every:
                found.last_seen_at = now
            return ActiveSession(
                await self._user(session, user), found.csrf_token, found.created_at
            )

    async def logout(self, token: str) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                delete(ConsoleSessionRow).where(ConsoleSessionRow.token_hash == _digest(token))
            )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


__all__ = [
    "MIN_PASSWORD_LENGTH",
    "ActiveSession",
    "Authenticator",
    "LoginLimits",
    "LoginOutcome",
    "LoginRefusal",
    "SessionPolicy",
    "User",
    "normalise_username",
]
