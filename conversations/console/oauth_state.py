"""The `state` of Instagram Business Login, bound to the console session that started it.

No row is written: the state is a time stamp and a random nonce signed with the session's
CSRF token (HMAC-SHA256), so only the session that asked can finish the login, and only for
STATE_LIFETIME. Instagram hands it back unchanged on the redirect.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

STATE_LIFETIME = timedelta(minutes=15)


def _mac(key: str, stamp: str, nonce: str) -> str:
    message = f"instagram-login:{stamp}:{nonce}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def new_state(session_csrf: str, now: datetime) -> str:
    stamp = str(int(now.timestamp()))
    nonce = secrets.token_urlsafe(16)
    return f"{stamp}.{nonce}.{_mac(session_csrf, stamp, nonce)}"


def state_valid(state: str, session_csrf: str, now: datetime) -> bool:
    """Whether `state` was made by `new_state` for this session within STATE_LIFETIME."""
    parts = state.split(".")
    if len(parts) != 3 or not parts[0].isdigit():
        return False
    stamp, nonce, mac = parts
    if not hmac.compare_digest(mac.encode(), _mac(session_csrf, stamp, nonce).encode()):
        return False
    age = now.timestamp() - int(stamp)
    return 0 <= age <= STATE_LIFETIME.total_seconds()


__all__ = ["STATE_LIFETIME", "new_state", "state_valid"]
