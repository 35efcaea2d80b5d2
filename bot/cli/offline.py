"""Settings for commands that never talk to Meta (`wismo track`, `wismo orders find`).

Such a command asks only for the settings it uses: Meta's required ones are filled in with a
marker no code path of theirs reads, so a merchant checking a store or a parcel needs no app
secret or token.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.app.settings import Settings

_META_ONLY = ("META_APP_SECRET", "META_VERIFY_TOKEN", "META_ACCESS_TOKEN")


def settings_without_meta(env: Mapping[str, str], command: str) -> Settings:
    """The settings in `env`, Meta's required ones not required. Raises ConfigurationInvalid
    naming the first other setting that is bad."""
    unused = {name: f"unused-by-{command}" for name in _META_ONLY}
    return Settings.from_mapping({**unused, **{k: v for k, v in env.items() if v}})


__all__ = ["settings_without_meta"]
