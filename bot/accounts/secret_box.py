"""SecretBox: access tokens encrypted at rest with Fernet, keyed by WISMO_SECRET_KEY.

`cryptography` (6 MB resident) is imported by the first box made: a service without
WISMO_SECRET_KEY stores no tokens and never loads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import SecretStr

from bot.errors import ConfigurationInvalid, TokenUnreadable

if TYPE_CHECKING:
    from cryptography.fernet import Fernet


def new_key() -> str:
    """A fresh key for WISMO_SECRET_KEY (32 random bytes, url-safe base64)."""
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


class SecretBox:
    """Seals and opens secrets; a sealed secret says nothing of the clear one but its length.

    Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) authenticates what it encrypts,
    so a ciphertext made with another key, or altered, is refused rather than misread.
    """

    def __init__(self, key: SecretStr) -> None:
        """Raises ConfigurationInvalid when `key` is not a Fernet key (see new_key)."""
        from cryptography.fernet import Fernet

        try:
            self._fernet: Fernet = Fernet(key.get_secret_value().encode())
        except ValueError as exc:
            raise ConfigurationInvalid(
                "WISMO_SECRET_KEY: not a key (32 url-safe base64-encoded bytes; make one with "
                "`python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`)"
            ) from exc

    def seal(self, secret: SecretStr) -> str:
        return self._fernet.encrypt(secret.get_secret_value().encode()).decode()

    def open(self, sealed: str, *, what: str) -> SecretStr:
        """The clear secret; raises TokenUnreadable (naming `what`) when it does not decrypt."""
        from cryptography.fernet import InvalidToken  # loaded already, by __init__

        try:
            return SecretStr(self._fernet.decrypt(sealed.encode()).decode())
        except InvalidToken as exc:
            raise TokenUnreadable(
                f"{what}: the stored token does not decrypt with WISMO_SECRET_KEY"
            ) from exc


__all__ = ["SecretBox", "new_key"]
