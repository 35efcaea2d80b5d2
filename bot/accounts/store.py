"""AccountStore: the accounts table read and written as frozen values, tokens sealed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.accounts.models import Account, AccountStatus, Credentials, Flavour, Saved, TokenKind
from bot.accounts.secret_box import SecretBox
from bot.accounts.tables import InstagramAccount
from bot.errors import ConfigurationInvalid, TokenUnreadable
from bot.instagram.account_api import LongLivedToken

REFRESH_FAILED = "token refresh failed"
"""How a failed refresh's `last_error` starts (what /healthz and the console look for)."""


def _account(row: InstagramAccount) -> Account:
    return Account(
        account_id=row.account_id,
        username=row.username,
        flavour=Flavour(row.flavour),
        graph_url=row.graph_url,
        token_kind=TokenKind(row.token_kind),
        token_expires_at=row.token_expires_at,
        status=AccountStatus(row.status),
        status_reason=row.status_reason,
        last_error=row.last_error,
        last_error_at=row.last_error_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def counts_by_status(session: AsyncSession) -> dict[AccountStatus, int]:
    """How many accounts are in each status (every status present, 0 when none)."""
    counts = dict.fromkeys(AccountStatus, 0)
    rows = await session.execute(
        select(InstagramAccount.status, func.count()).group_by(InstagramAccount.status)
    )
    for status, count in rows:
        counts[AccountStatus(status)] = int(count)
    return counts


class AccountStore:
    """Reads and writes connected accounts, one short transaction per call.

    Without a SecretBox (WISMO_SECRET_KEY unset) the store can count and list accounts but
    not store or read tokens: those calls raise ConfigurationInvalid.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        box: SecretBox | None,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._box = box
        self._clock = clock

    @property
    def seals(self) -> bool:
        """Whether tokens can be stored and read (WISMO_SECRET_KEY is set)."""
        return self._box is not None

    def _sealer(self) -> SecretBox:
        if self._box is None:
            raise ConfigurationInvalid(
                "WISMO_SECRET_KEY: not set, and Instagram accounts' tokens are stored encrypted "
                "with it"
            )
        return self._box

    async def counts(self) -> dict[AccountStatus, int]:
        async with self._sessions() as session:
            return await counts_by_status(session)

    async def get(self, account_id: str) -> Account | None:
        async with self._sessions() as session:
            row = await session.get(InstagramAccount, account_id)
            return _account(row) if row is not None else None

    async def accounts(self) -> list[Account]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(InstagramAccount).order_by(InstagramAccount.account_id)
            )
            return [_account(row) for row in rows]

    async def credentials(self) -> tuple[list[Credentials], list[TokenUnreadable]]:
        """Every account with its token, and the accounts whose token does not decrypt."""
        box = self._sealer()
        async with self._sessions() as session:
            rows = list(
                await session.scalars(
                    select(InstagramAccount).order_by(InstagramAccount.account_id)
                )
            )
        found: list[Credentials] = []
        unreadable: list[TokenUnreadable] = []
        for row in rows:
            try:
                token = box.open(row.token_ciphertext, what=f"account {row.account_id}")
            except TokenUnreadable as exc:
                unreadable.append(exc)
                continue
            found.append(Credentials(_account(row), token))
        return found, unreadable

    async def connect(
        self,
        account_id: str,
        *,
        token: SecretStr,
        graph_url: str,
        token_kind: TokenKind,
        flavour: Flavour | None = None,
        username: str | None = None,
        token_expires_at: datetime | None = None,
        seed_digest: str | None = None,
    ) -> Saved:
        """Store the account, or update it: the token is sealed anew; a token that differs
        from the stored one replaces it and makes the account active again (a username left
        out keeps the stored one). Raises ConfigurationInvalid without WISMO_SECRET_KEY."""
        box = self._sealer()

        async def store() -> Saved:
            return await self._connect(
                box,
                account_id,
                token,
                graph_url,
                token_kind=token_kind,
                flavour=flavour,
                username=username,
                token_expires_at=token_expires_at,
                seed_digest=seed_digest,
            )

        try:
            return await store()
        except IntegrityError:
            # Another process stored it first (two services starting at once): update it.
            return await store()

    async def seed_digest(self, account_id: str) -> str | None:
        """The digest of the META_ACCESS_TOKEN that last seeded the account, if any."""
        async with self._sessions() as session:
            row = await session.get(InstagramAccount, account_id)
            return None if row is None else row.seed_digest

    async def move_to(self, account_id: str, graph_url: str) -> None:
        """Reach the account through `graph_url` (and its API flavour) from now on."""
        async with self._sessions() as session, session.begin():
            row = await session.get(InstagramAccount, account_id)
            if row is not None and row.graph_url != graph_url:
                row.graph_url = graph_url
                row.flavour = Flavour.of_host(graph_url).value
                row.updated_at = self._clock()

    async def refreshed(self, account_id: str, token: LongLivedToken) -> bool:
        """Store a refreshed token and its expiry; a refresh failure noted before is cleared.
        The status is left as it is. Raises ConfigurationInvalid without WISMO_SECRET_KEY."""
        if self._box is None:
            raise ConfigurationInvalid("WISMO_SECRET_KEY: not set, and tokens are stored with it")
        async with self._sessions() as session, session.begin():
            row = await session.get(InstagramAccount, account_id, with_for_update=True)
            if row is None:
                return False
            row.token_ciphertext = self._box.seal(token.token)
            row.token_kind = TokenKind.LONG_LIVED.value
            row.token_expires_at = token.expires_at
            if (row.last_error or "").startswith(REFRESH_FAILED):
                row.last_error = None
                row.last_error_at = None
            row.updated_at = self._clock()
            return True

    async def failed(self, account_id: str, error: str) -> bool:
        """Note a failed refresh as the account's last error; True when it was not already the
        last error (so the caller logs it once)."""
        text = f"{REFRESH_FAILED}: {error}"[:200]
        now = self._clock()
        async with self._sessions() as session, session.begin():
            row = await session.get(InstagramAccount, account_id, with_for_update=True)
            if row is None:
                return False
            first = row.last_error != text
            row.last_error = text
            row.last_error_at = now
            row.updated_at = now
            return first

    async def disconnect(self, account_id: str, reason: str) -> bool:
        """Stop answering as the account (its events are then flagged); False when not stored."""
        async with self._sessions() as session, session.begin():
            row = await session.get(InstagramAccount, account_id)
            if row is None or row.status == AccountStatus.DISCONNECTED.value:
                return False
            row.status = AccountStatus.DISCONNECTED.value
            row.status_reason = reason[:64]
            row.updated_at = self._clock()
            return True

    async def pause(self, account_id: str, reason: str, error: str) -> bool:
        """Mark the account paused (its sends wait: the outbox holds them) with why and the
        error; False when it is not stored or is disconnected."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            row = await session.get(InstagramAccount, account_id, with_for_update=True)
            if row is None or row.status == AccountStatus.DISCONNECTED.value:
                return False
            row.status = AccountStatus.PAUSED.value
            row.status_reason = reason[:64]
            row.last_error = error[:200]
            row.last_error_at = now
            row.updated_at = now
            return True

    async def activate(self, account_id: str) -> bool:
        """Mark a paused account active again (its last error is kept, with its time); False
        when it is not stored or not paused."""
        async with self._sessions() as session, session.begin():
            row = await session.get(InstagramAccount, account_id, with_for_update=True)
            if row is None or row.status != AccountStatus.PAUSED.value:
                return False
            row.status = AccountStatus.ACTIVE.value
            row.status_reason = None
            row.updated_at = self._clock()
            return True

    async def _connect(
        self,
        box: SecretBox,
        account_id: str,
        token: SecretStr,
        graph_url: str,
        *,
        token_kind: TokenKind,
        flavour: Flavour | None,
        username: str | None,
        token_expires_at: datetime | None,
        seed_digest: str | None,
    ) -> Saved:
        now = self._clock()
        async with self._sessions() as session, session.begin():
            row = await session.get(InstagramAccount, account_id, with_for_update=True)
            created = row is None
            if row is None:
                row = InstagramAccount(
                    account_id=account_id, status=AccountStatus.ACTIVE.value, created_at=now
                )
                session.add(row)
                replaced = False
            else:
                replaced = not _same_token(box, row, token)
            if replaced:
                row.status = AccountStatus.ACTIVE.value
                row.status_reason = None
                row.last_error = None
                row.last_error_at = None
            row.username = username or row.username
            row.flavour = (flavour or Flavour.of_host(graph_url)).value
            row.graph_url = graph_url
            row.token_ciphertext = box.seal(token)
            row.token_kind = token_kind.value
            row.token_expires_at = token_expires_at
            row.seed_digest = seed_digest or row.seed_digest
            row.updated_at = now
            await session.flush()
            return Saved(_account(row), created=created, token_replaced=replaced)


def _same_token(box: SecretBox, row: InstagramAccount, token: SecretStr) -> bool:
    try:
        stored = box.open(row.token_ciphertext, what=row.account_id)
    except TokenUnreadable:
        return False  # sealed with another key: whatever it was, the new token replaces it
    return stored.get_secret_value() == token.get_secret_value()


__all__ = ["AccountStore", "counts_by_status"]
