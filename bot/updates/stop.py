"""Whether a buyer's message asks to stop proactive updates, in every supported language.

A tap on the "Stop updates" quick reply is recognised by its payload, whatever the button's
title. Typed text counts when the whole message is a stop word ("stop", "不用了", "basta", the
words the update messages themselves suggest, and the translated button titles), or when a
short message contains an unambiguous phrase ("stop sending me updates", "取消订阅"). A longer
message that merely mentions stopping ("my parcel stopped moving") does not count.
"""

from __future__ import annotations

import unicodedata
from typing import Final

import regex

from bot.replies.payloads import STOP_UPDATES_PAYLOAD

SHORT_MESSAGE_WORDS: Final = 8
"""A phrase inside a message counts only in a message of at most this many words."""

# The whole message, once normalised (case folded, punctuation and emoji removed).
_WHOLE: Final = frozenset(
    {
        # en
        "stop",
        "stop it",
        "stop please",
        "please stop",
        "pls stop",
        "stop pls",
        "stop now",
        "stop updates",
        "stop the updates",
        "stop notifications",
        "stop messages",
        "stop messaging",
        "stop sending",
        "unsubscribe",
        "opt out",
        "enough",
        "no more",
        "no more updates",
        "no more messages",
        "cancel updates",
        "no updates",
        # zh-Hans / zh-Hant
        "不用了",
        "不用",
        "停",
        "停止",
        "停止通知",
        "停止更新",
        "停止提醒",
        "退订",
        "退訂",
        "取消订阅",
        "取消訂閱",
        "取消通知",
        "不需要了",
        "不要了",
        "别发了",
        "別發了",
        "不要再发了",
        "不要再發了",
        "不要发了",
        "不要發了",
        "够了",
        "夠了",
        # es
        "para",
        "parar",
        "pare",
        "basta",
        "alto",
        "detener",
        "detener avisos",
        "cancelar",
        "cancelar avisos",
        "no más",
        "no mas",
        "baja",
        "darme de baja",
        "ya no",
        "ya no gracias",
        "no más avisos",
        "no mas avisos",
        # pt
        "parar avisos",
        "chega",
        "sair",
        "descadastrar",
        "não quero mais",
        "nao quero mais",
        "parem",
        "pare de enviar",
        # fr
        "arrêter",
        "arreter",
        "arrête",
        "arrete",
        "arrêtez",
        "arretez",
        "stop merci",
        "arrêter les alertes",
        "arreter les alertes",
        "désabonner",
        "desabonner",
        "me désabonner",
        "ça suffit",
        "ca suffit",
        "plus de messages",
        "plus d'alertes",
        # de
        "stopp",
        "stoppen",
        "aufhören",
        "aufhoeren",
        "hör auf",
        "hoer auf",
        "abbestellen",
        "abmelden",
        "keine updates mehr",
        "keine nachrichten mehr",
        "updates stoppen",
        "keine updates",
        "genug",
        # ar
        "توقف",
        "توقّف",
        "قف",
        "إيقاف",
        "ايقاف",
        "أوقف",
        "اوقف",
        "كفى",
        "كفاية",
        "إيقاف التحديثات",
        "ايقاف التحديثات",
        "أوقف التحديثات",
        "اوقف التحديثات",
        "إلغاء الاشتراك",
        "الغاء الاشتراك",
        "لا أريد",
        "لا اريد",
    }
)

# Unambiguous phrases, inside a short message.
_PHRASES: Final = (
    "stop updates",
    "stop the updates",
    "stop sending",
    "stop messaging",
    "stop notif",
    "no more updates",
    "no more messages",
    "unsubscribe",
    "opt out",
    "don't send me",
    "dont send me",
    "do not send me",
    "stop texting",
    "不用了",
    "停止通知",
    "停止更新",
    "退订",
    "退訂",
    "取消订阅",
    "取消訂閱",
    "别发了",
    "別發了",
    "不要再发",
    "不要再發",
    "不要发了",
    "不要發了",
    "别再发",
    "別再發",
    "deja de enviar",
    "dejen de enviar",
    "no me envíes",
    "no me envies",
    "darme de baja",
    "detener avisos",
    "no quiero más avisos",
    "no quiero mas avisos",
    "pare de enviar",
    "parem de enviar",
    "não me envie",
    "nao me envie",
    "parar avisos",
    "não quero mais",
    "nao quero mais",
    "arrêter les alertes",
    "arreter les alertes",
    "arrêtez de m'envoyer",
    "me désabonner",
    "ne m'envoyez plus",
    "plus de messages",
    "plus d'alertes",
    "keine updates mehr",
    "keine nachrichten mehr",
    "updates stoppen",
    "hören sie auf",
    "abbestellen",
    "إيقاف التحديثات",
    "ايقاف التحديثات",
    "أوقف التحديثات",
    "اوقف التحديثات",
    "إلغاء الاشتراك",
    "الغاء الاشتراك",
    "لا ترسل",
    "توقف عن الإرسال",
    "توقف عن الارسال",
)

_NOT_TEXT: Final = regex.compile(r"[^\p{L}\p{M}\p{N}'’\s]+")
_SPACES: Final = regex.compile(r"\s+")
_HAN: Final = regex.compile(r"\p{Han}")
_SPACELESS: Final = regex.compile(r"[\p{Han}\p{Arabic}]")


# A phrase starts at a word ("stop notif" covers "stop notifications"); Chinese and Arabic
# phrases are matched anywhere (Chinese has no spaces, Arabic prefixes its words). Sorted once
# here, not per message: asking each phrase's script was most of a short message's check.
_ANYWHERE: Final = tuple(phrase for phrase in _PHRASES if _SPACELESS.search(phrase))
_AT_A_WORD: Final = tuple(f" {phrase}" for phrase in _PHRASES if not _SPACELESS.search(phrase))


def _normalised(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    return _SPACES.sub(" ", _NOT_TEXT.sub(" ", folded)).strip()


def _word_count(text: str) -> int:
    # Chinese has no spaces: count its characters, roughly two to a word.
    han = len(_HAN.findall(text))
    return len(text.split()) + han // 2


def is_stop_request(text: str | None, payload: str | None) -> bool:
    """Whether this buyer message (its text, and its quick-reply or postback payload) asks to
    stop proactive updates. Pure; never raises."""
    if payload == STOP_UPDATES_PAYLOAD:
        return True
    if not text:
        return False
    normalised = _normalised(text)
    if not normalised:
        return False
    if normalised in _WHOLE:
        return True
    if _word_count(normalised) > SHORT_MESSAGE_WORDS:
        return False
    padded = f" {normalised}"
    return any(phrase in padded for phrase in _AT_A_WORD) or any(
        phrase in normalised for phrase in _ANYWHERE
    )


__all__ = ["SHORT_MESSAGE_WORDS", "is_stop_request"]
