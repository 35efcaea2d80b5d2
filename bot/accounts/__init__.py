"""Connected Instagram accounts as data: their table, sealed tokens, store and Send API clients.

May import bot/instagram (the Send API client) and the bot package's table base; nothing of
the pipeline's workers, the dialogue, replies, updates, app or routes: bot/app passes
AccountSendApis to the pipeline as its SendApis.
"""

from bot.accounts.models import (
    SHORTCUT_ID,
    Account,
    AccountStatus,
    Credentials,
    Flavour,
    Saved,
    TokenKind,
)
from bot.accounts.secret_box import SecretBox, new_key
from bot.accounts.send_apis import REFRESH, AccountSendApis
from bot.accounts.store import AccountStore, counts_by_status

__all__ = [
    "REFRESH",
    "SHORTCUT_ID",
    "Account",
    "AccountSendApis",
    "AccountStatus",
    "AccountStore",
    "Credentials",
    "Flavour",
    "Saved",
    "SecretBox",
    "TokenKind",
    "counts_by_status",
    "new_key",
]
