"""Exception reasons read from a carrier's own words when its code names none.

See docs/tracking-sources.md, Precedence (rule 4).
"""

from __future__ import annotations

import re

from carriers.models import ExceptionReason

# Order matters: the first reason whose words appear wins (documents before plain customs, so
# "customs needs documents" is not filed as a routine hold).
_KEYWORDS: tuple[tuple[ExceptionReason, tuple[str, ...]], ...] = (
    (
        ExceptionReason.CUSTOMS_DOCUMENTS,
        (
            "customs information",
            "customs documents",
            "documents required",
            "clearance information",
            "awaiting clearance information",
            "清关资料",
            "清关材料",
            "补充资料",
            "Dokumente",
            "documentos",
            "documents manquants",
            "مستندات",
        ),
    ),
    (
        ExceptionReason.PAYMENT_REQUIRED,
        (
            "duties",
            "import tax",
            "payment required",
            "cash on delivery",
            "awaiting payment",
            "关税",
            "税费",
            "Zollgebühren",
            "Einfuhrabgaben",
            "impuestos",
            "taxes à payer",
            "droits de douane",
            "pagamento",
            "taxa",
            "رسوم",
        ),
    ),
    (
        ExceptionReason.CUSTOMS_HOLD,
        (
            "customs",
            "clearance",
            "清关",
            "海关",
            "海關",
            "Zoll",
            "douane",
            "aduana",
            "alfândega",
            "alfandega",
            "fiscalização",
            "جمارك",
            "الجمارك",
        ),
    ),
    # Before address: "refused by the addressee" is a refusal.
    (
        ExceptionReason.REFUSED,
        (
            "refused",
            "rejected by recipient",
            "拒收",
            "verweigert",
            "rechazado",
            "recusado",
            "refusé",
        ),
    ),
    (
        ExceptionReason.ADDRESS_ISSUE,
        (
            "address",
            "addressee unknown",
            "地址",
            "Adresse",
            "dirección",
            "direccion",
            "endereço",
            "endereco",
            "adresse",
            "عنوان",
        ),
    ),
    (
        ExceptionReason.WEATHER,
        (
            "weather",
            "storm",
            "snow",
            "flood",
            "天气",
            "台风",
            "Unwetter",
            "clima",
            "météo",
            "الطقس",
        ),
    ),
    (
        ExceptionReason.DAMAGED,
        ("damaged", "damage", "破损", "beschädigt", "dañado", "danificado", "endommagé"),
    ),
    (ExceptionReason.LOST, ("lost", "missing", "丢失", "遗失", "verloren", "perdido", "perdu")),
    (
        ExceptionReason.RECIPIENT_UNAVAILABLE,
        (
            "no one available",
            "nobody home",
            "recipient not available",
            "not home",
            "无人",
            "nicht angetroffen",
            "ausente",
            "absent",
            "غير متواجد",
        ),
    ),
    (ExceptionReason.BUSINESS_CLOSED, ("business closed", "closed on arrival", "geschlossen")),
    (
        ExceptionReason.RETURNED_TO_SENDER,
        (
            "return to sender",
            "returned to sender",
            "retour",
            "退回",
            "退件",
            "Rücksendung",
            "devuelto",
            "devolvido",
        ),
    ),
    (
        ExceptionReason.HELD_BY_CARRIER,
        ("held at", "hold for pickup", "not collected", "滞留", "留仓", "zurückgehalten"),
    ),
    (
        ExceptionReason.CARRIER_DELAY,
        (
            "delay",
            "missed flight",
            "late",
            "延误",
            "延迟",
            "Verspätung",
            "retraso",
            "atraso",
            "retard",
        ),
    ),
    (
        ExceptionReason.CANCELLED,
        ("cancelled", "canceled", "取消", "storniert", "cancelado", "annulé"),
    ),
)

_PATTERNS: tuple[tuple[ExceptionReason, re.Pattern[str]], ...] = tuple(
    (
        reason,
        re.compile(
            "|".join(
                # ASCII words match at a word start ("delay" in "delayed"), but "addressee" (the
                # recipient) is not an "address".
                re.escape(word) if not word.isascii() else rf"\b{re.escape(word)}(?!ee\b)"
                for word in words
            ),
            re.IGNORECASE,
        ),
    )
    for reason, words in _KEYWORDS
)


def reason_from_text(text: str | None) -> ExceptionReason | None:
    """The reason the carrier's wording names, in any supported language, or None."""
    if not text:
        return None
    for reason, pattern in _PATTERNS:
        if pattern.search(text):
            return reason
    return None
