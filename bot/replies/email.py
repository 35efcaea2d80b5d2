"""Update emails: an update's news as a subject, plain text and HTML, with a working
unsubscribe link, and the words of the page that link opens."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape

from bot.replies.catalogs import Catalogs
from bot.replies.updates import update_paragraphs
from carriers.models import Shipment

_URL = re.compile(r"https?://[^\s<>\"']+")


@dataclass(frozen=True, slots=True)
class EmailBody:
    """An update email: subject, plain text and HTML alternatives in `language`, both carrying
    the unsubscribe link."""

    language: str
    subject: str
    text: str
    html: str


class UpdateEmails:
    """Writes the update emails and their unsubscribe page.

    `clock` returns the current aware UTC time; `store_name` is how the shop is named to buyers.
    """

    def __init__(self, catalogs: Catalogs, clock: Callable[[], datetime], store_name: str) -> None:
        self._catalogs = catalogs
        self._clock = clock
        self._store = store_name

    def update_email(
        self, language: str | None, shipment: Shipment, *, unsubscribe_url: str
    ) -> EmailBody:
        """The email twin of the DM update: the same news, then why the buyer gets it and a
        working unsubscribe link (the DM's "reply stop" does not apply to email)."""
        t = self._catalogs.translation(language)
        paragraphs = update_paragraphs(t, shipment, self._clock)
        if self._store:
            # TRANSLATORS: an update email's footer; {store}: the shop's name.
            why = t.gettext(
                "You're receiving this email because you asked {store} about this parcel.",
                store=self._store,
            )
        else:
            why = t.gettext("You're receiving this email because you asked about this parcel.")
        # TRANSLATORS: an update email's footer, plain-text version; {url}: the link.
        leave = t.gettext("Don't want these emails? Unsubscribe: {url}", url=unsubscribe_url)
        # TRANSLATORS: an update email's subject; {number}: the tracking number.
        subject = t.gettext("Update on your parcel {number}", number=shipment.number)
        text = "\n\n".join([*paragraphs, f"--\n{why}\n{leave}"])
        # TRANSLATORS: the unsubscribe link's text in an update email.
        unsubscribe = t.gettext("Unsubscribe")
        direction = "rtl" if t.right_to_left else "ltr"
        body = "".join(f"<p>{_html_paragraph(paragraph)}</p>" for paragraph in paragraphs)
        html = (
            f'<!DOCTYPE html><html lang="{escape(t.language)}" dir="{direction}">'
            f'<head><meta charset="utf-8"><title>{escape(subject)}</title></head><body>{body}'
            f'<p style="color:#666;font-size:12px">{escape(why)}<br>'
            f'<a href="{escape(unsubscribe_url)}">{escape(unsubscribe)}</a></p></body></html>'
        )
        return EmailBody(t.language, subject, text, html)

    def language_of(self, language: str | None) -> str:
        """The language a reply asked for in `language` is written in (after fallbacks)."""
        return self._catalogs.resolve(language)

    def email_unsubscribe_question(self, language: str | None, number: str) -> tuple[str, str]:
        """What the unsubscribe link's page asks before anything changes, and its button."""
        t = self._catalogs.translation(language)
        question = t.gettext("Stop the emails about your parcel {number}?", number=number)
        return question, t.gettext("Unsubscribe")

    def email_unsubscribed(self, language: str | None, number: str) -> str:
        """What the unsubscribe link's page says once it worked."""
        t = self._catalogs.translation(language)
        return t.gettext(
            "Done: you won't get any more emails about your parcel {number}.", number=number
        )

    def email_link_invalid(self, language: str | None) -> str:
        """What the unsubscribe link's page says for a link that is not ours (cut, altered)."""
        t = self._catalogs.translation(language)
        return t.gettext(
            "This unsubscribe link isn't valid. Please use the link in the latest email."
        )


def _html_paragraph(paragraph: str) -> str:
    """A paragraph as HTML: escaped, line breaks kept, links clickable."""
    parts: list[str] = []
    position = 0
    for match in _URL.finditer(paragraph):
        parts.append(escape(paragraph[position : match.start()]))
        url = escape(match.group(0))
        parts.append(f'<a href="{url}">{url}</a>')
        position = match.end()
    parts.append(escape(paragraph[position:]))
    return "".join(parts).replace("\n", "<br>")


__all__ = ["EmailBody", "UpdateEmails"]
