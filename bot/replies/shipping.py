"""Delivery times before purchase: the shop's shipping times to a country, the quiet stretch of
cross-border tracking told up front, or an honest general answer when the shop listed none."""

from __future__ import annotations

from collections.abc import Sequence

from babel import Locale

from bot.replies import buttons
from bot.replies.catalogs import Catalogs, Translation
from bot.replies.composer import ComposedReply, ReplyKind, compose


class ShippingReplies:
    def __init__(self, catalogs: Catalogs) -> None:
        self._catalogs = catalogs

    def times(
        self,
        language: str | None,
        country: str,
        rows: Sequence[tuple[str, int, int]],
        *,
        quiet: bool,
    ) -> ComposedReply:
        """The shop's ways of shipping to `country` (method, business days min–max); `quiet`:
        tracking goes quiet on the way, said before the times. No rows: the shop has not
        listed this destination, and a person can tell."""
        t = self._catalogs.translation(language)
        name = country_name(t, country)
        if not rows:
            text = t.gettext(
                "The shop hasn't listed shipping times to {country} here. Ask for a person and "
                "the shop will tell you.",
                country=name,
            )
            return compose(ReplyKind.SHIPPING_TIMES, t, [text], [buttons.person(t)])
        paragraphs = [t.gettext("Shipping to {country}:", country=name)]
        if quiet:
            paragraphs.append(quiet_leg(t))
        lines = [
            "• "
            + t.gettext(
                "{method}: {low}–{high} business days after dispatch",
                method=method,
                low=low,
                high=high,
            )
            for method, low, high in rows
        ]
        paragraphs.append("\n".join(lines))
        return compose(ReplyKind.SHIPPING_TIMES, t, paragraphs, [buttons.person(t)])

    def no_table(self, language: str | None) -> ComposedReply:
        """The shop listed no shipping times: a general answer, honest about it, and a person."""
        t = self._catalogs.translation(language)
        general = t.gettext(
            "I don't have this shop's shipping times. As a rough guide, parcels usually take "
            "2–7 days within a country and 1–4 weeks from abroad."
        )
        person = t.gettext("Ask for a person here if you'd like the shop's own answer.")
        return compose(
            ReplyKind.SHIPPING_TIMES,
            t,
            [t.join(general, quiet_leg(t)), person],
            [buttons.person(t)],
        )


def quiet_leg(t: Translation) -> str:
    return t.gettext(
        "Good to know before you order: while a parcel travels between countries, its "
        "tracking often shows no new scan for several days, sometimes up to two weeks. "
        "That's normal and doesn't mean it's lost."
    )


def country_name(t: Translation, country: str) -> str:
    """The country's name in the reader's language (its code when Babel has no name)."""
    names = Locale.parse(str(t.locale)).territories
    return str(names.get(country, country))


__all__ = ["ShippingReplies", "country_name", "quiet_leg"]
