"""Which side of "where is my order" a message asks about: status, delay, non-receipt, a return,
or when it will arrive.

Cue phrases over the folded text (bot.understanding.text.fold: lower case, no accents), in the
eight reply languages. The most specific aspect wins: a return or a non-receipt says more than a
delay, and a delay more than a question about when.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.understanding.lexicon import Aspect, Intent

CUES: dict[Aspect, Sequence[str]] = {
    Aspect.RETURNED: (
        r"\b(?:sent|send|sending|going|shipped|being sent) back\b",
        r"\breturn(?:ed|ing)? to (?:the )?(?:sender|shop|store|seller)\b",
        r"\bbeing returned\b",
        r"\bdevuel(?:to|ven|ve|ta)\b",
        r"\bdevolvi(?:do|endo)\b",
        r"\bde vuelta\b",
        r"\bretour(?:ne)?\b.{0,20}\b(?:expediteur|boutique|vendeur)\b",
        r"\brenvoye\b",
        r"\bzuruck(?:geschickt|gesendet|gesandt)?\b",
        r"\bruckversand\b",
        r"\bdevolv(?:ido|ida|endo)\b",
        r"\bvoltando\b",
        r"\bمرتجع\b|\bارجاع\b|\bيرجع\b",
        "退回|退件|寄回|退还|退還",
    ),
    Aspect.NOT_RECEIVED: (
        r"\b(?:never|not|didnt|didn t|havent|haven t|did not|have not)"
        r" (?:got|get|receive|received|arrived|came)\b",
        r"\bsays? (?:it was |its |it is )?delivered\b",
        r"\bno (?:lo |la )?(?:he |ha )?recibid[oa]\b",
        r"\bnunca (?:llego|chego)\b",
        r"\bpas (?:recu|arrive)\b",
        r"\bnicht (?:angekommen|erhalten|bekommen)\b",
        r"\bnao (?:recebi|chegou)\b",
        r"\bلم (?:استلم|يصل)\b",
        "没收到|沒收到|未收到|没有收到|沒有收到",
    ),
    Aspect.DELAY: (
        r"\b(?:late|delayed|delay|stuck|lost|overdue|over due)\b",
        r"\bno (?:movement|update|updates|news|progress)\b",
        r"\bnot moved\b|\bhasnt moved\b|\bhasn t moved\b",
        r"\b(?:weeks?|days?) (?:and|with) (?:still )?(?:nothing|no)\b",
        r"\b(?:retras(?:ado|o)|perdid[oa]|atascad[oa]|demora)\b",
        r"\b(?:retard|perdu|bloque|coince)\b",
        r"\b(?:verspatet|verspatung|verloren|hangt|feststeckt)\b",
        r"\b(?:atrasad[oa]|atraso|perdid[oa]|parad[oa])\b",
        r"\b(?:متاخر|تاخير|ضايع|ضاع)\b",
        "丢|丟|延迟|延遲|卡住|不动|不動|没动|沒動|太慢|好慢|怎么还没|怎麼還沒",
    ),
    Aspect.DELIVERY_TIME: (
        r"\bwhen (?:will|does|do|can|should|is)\b",
        r"\bhow (?:long|soon|many days)\b",
        r"\b(?:delivery|shipping) (?:time|times|period)\b",
        r"\b(?:cuando|cuanto tarda|cuanto tiempo|cuantos dias)\b",
        r"\b(?:quand|combien de (?:temps|jours)|delai)\b",
        r"\b(?:wann|wie lange|lieferzeit)\b",
        r"\b(?:quando|quanto tempo|quantos dias|prazo)\b",
        r"\b(?:متى|كم يوم|كم يستغرق)\b",
        "什么时候|什麼時候|多久|几天|幾天|何时|何時",
    ),
}
ORDER = (Aspect.RETURNED, Aspect.NOT_RECEIVED, Aspect.DELAY, Aspect.DELIVERY_TIME)
PATTERNS = {aspect: re.compile("|".join(CUES[aspect])) for aspect in ORDER}


def read_aspect(folded: str, intent: Intent, *, delivered_not_received: bool) -> Aspect | None:
    """The aspect of a where_is_my_order message (None for every other intent)."""
    if intent is not Intent.WHERE_IS_MY_ORDER:
        return None
    if delivered_not_received:
        return Aspect.NOT_RECEIVED
    for aspect in ORDER:
        if PATTERNS[aspect].search(folded):
            return aspect
    return Aspect.STATUS
