"""STOP, START and HELP in an inbound text, in the eight languages wismo speaks.

A keyword is the whole message (case, accents, spaces and trailing punctuation aside), as
carriers and Twilio read them: "stop" stops, "please stop texting" is a message, not a
keyword. The English words are Twilio's defaults (it acts on them itself on long codes and
tells us through `OptOutType` with Advanced Opt-Out); the others are what buyers write in their
own language. docs/sms.md, Opt-out keywords.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final


class Keyword(StrEnum):
    STOP = "stop"
    START = "start"
    HELP = "help"


# Twilio's own default keywords: on these Twilio has already acted and answered.
PROVIDER_DEFAULTS: Final[Mapping[str, Keyword]] = MappingProxyType(
    {
        **dict.fromkeys(
            ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"),
            Keyword.STOP,
        ),
        **dict.fromkeys(("START", "UNSTOP", "YES"), Keyword.START),
        **dict.fromkeys(("HELP", "INFO"), Keyword.HELP),
    }
)

# Ours, by language (folded: upper case, no accents). Each maps to the language it is in, so
# the answer can be written in it.
_WORDS: Final[Mapping[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]] = {
    # language: (stop words, start words, help words)
    "en": (
        ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"),
        ("START", "UNSTOP", "YES", "SUBSCRIBE"),
        ("HELP", "INFO"),
    ),
    "es": (
        ("ALTO", "PARAR", "PARA", "BAJA", "CANCELAR", "DETENER"),
        ("INICIO", "ALTA", "REANUDAR", "SI"),
        ("AYUDA",),
    ),
    "fr": (
        ("ARRET", "ARRETER", "STOP SMS", "DESABONNER", "DESINSCRIRE"),
        ("DEMARRER", "REPRENDRE", "OUI"),
        ("AIDE",),
    ),
    "de": (("STOPP", "ABMELDEN", "ABBESTELLEN", "BEENDEN"), ("ANMELDEN", "JA"), ("HILFE",)),
    "pt": (("PARE", "SAIR", "CANCELE", "DESCADASTRAR"), ("INICIAR", "VOLTAR", "SIM"), ("AJUDA",)),
    "ar": (
        ("توقف", "الغاء", "إلغاء", "ايقاف", "إيقاف"),
        ("ابدأ", "ابدا", "اشتراك"),
        ("مساعدة", "مساعده"),
    ),
    "zh-Hans": (("退订", "停止", "取消", "TD"), ("订阅", "开始"), ("帮助",)),
    "zh-Hant": (("退訂", "取消訂閱"), ("訂閱", "開始"), ("幫助", "說明")),
}


def fold(text: str) -> str:
    """Upper case, accents removed, inner spaces single, edge spaces and punctuation gone."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    words = stripped.upper().split()
    return " ".join(words).strip(".!¡?¿,;:'\"。！？，、 ")


def _table() -> dict[str, tuple[Keyword, str]]:
    table: dict[str, tuple[Keyword, str]] = {}
    for language, groups in _WORDS.items():
        for keyword, words in zip((Keyword.STOP, Keyword.START, Keyword.HELP), groups, strict=True):
            for word in words:
                table.setdefault(fold(word), (keyword, language))
    return table


KEYWORDS: Final[Mapping[str, tuple[Keyword, str]]] = MappingProxyType(_table())


def keyword_of(body: str | None) -> tuple[Keyword, str] | None:
    """The keyword a whole inbound text is, and the language it is in; None for a message."""
    if not body:
        return None
    return KEYWORDS.get(fold(body))


def provider_handles(body: str | None) -> bool:
    """Whether the provider acts on and answers this keyword itself (its defaults)."""
    return bool(body) and fold(body or "") in PROVIDER_DEFAULTS


__all__ = ["KEYWORDS", "PROVIDER_DEFAULTS", "Keyword", "fold", "keyword_of", "provider_handles"]
