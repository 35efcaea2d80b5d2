"""Links in a message: tracking numbers carried by carrier, tracker and store URLs.

See docs/tracking-number-formats.md, Tracking links.

Every link's span is kept out of the plain-text scan (order pages, CDN and image links are full of
digit runs that pass checksums); the values of tracking links come back as candidates. Offsets are
found by hand rather than through `urllib.parse`, so every value keeps its span in the message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from carriers.numbers.text import NormalisedText

# RFC 3986 characters only: a link pasted into Chinese text ends where the text resumes.
_URL_CHARS = r"[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]"
_LINK = re.compile(
    r"(?:(?<![A-Za-z0-9])https?://|(?<![A-Za-z0-9@./\-])www\.)" + _URL_CHARS + "+"
    r"|(?<![A-Za-z0-9@./\-])(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}"
    r"(?::[0-9]{2,5})?/" + _URL_CHARS + "*"
)
_TRAILING = ".,;:!?)]}*"
_SPLIT_VALUES = re.compile(r"[,;|\n]+")


@dataclass(frozen=True, slots=True)
class LinkValue:
    """One value out of a tracking link, decoded, with its span in the normalised message."""

    text: str
    start: int
    end: int
    carrier: str | None  # the carrier whose own site the link is on


@dataclass(frozen=True, slots=True)
class Link:
    start: int
    end: int
    values: tuple[LinkValue, ...]


@dataclass(frozen=True, slots=True)
class _Site:
    carrier: str | None
    params: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Place:
    """One link being read: its text, where it starts in the message, the site it is on."""

    url: str
    offset: int
    site: _Site | None


class LinkReader:
    """Knows which hosts and parameters carry tracking numbers."""

    def __init__(
        self,
        sites: dict[str, _Site],
        store_params: Iterable[str],
        path_words: Iterable[str],
    ) -> None:
        self._sites = sites
        self._store_params = frozenset(name.lower() for name in store_params)
        self._path_words = frozenset(word.lower() for word in path_words)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LinkReader:
        """Build from the parsed `links.json` (shaped as schema.LinkFile, which the tests check
        the shipped file against); raises KeyError, TypeError or AttributeError on another
        shape."""
        sites = {
            host["host"].lower(): _Site(
                host["carrier"], frozenset(p.lower() for p in host["params"])
            )
            for host in data["hosts"]
        }
        return cls(sites, data["store_params"], data["tracking_path_words"])

    def read(self, text: NormalisedText) -> tuple[Link, ...]:
        """Every link in the message, with the tracking values it carries (maybe none)."""
        if "/" not in text.cased and "www." not in text.cased:
            return ()  # every _LINK match holds a "/" (after the scheme or the host) or "www."
        links = []
        for match in _LINK.finditer(text.cased):
            url = match.group().rstrip(_TRAILING)
            start = match.start()
            links.append(Link(start, start + len(url), tuple(self._values(url, start))))
        return tuple(links)

    def _site(self, host: str) -> _Site | None:
        labels = host.split(".")
        for index in range(len(labels) - 1):
            site = self._sites.get(".".join(labels[index:]))
            if site is not None:
                return site
        return None

    def _values(self, url: str, offset: int) -> Iterator[LinkValue]:
        scheme = url.find("://")
        host_start = scheme + 3 if scheme >= 0 else 0
        host_end = len(url)
        for stop in "/?#":
            found = url.find(stop, host_start)
            if found >= 0:
                host_end = min(host_end, found)
        authority = url[host_start:host_end].rsplit("@", maxsplit=1)[-1]
        site = self._site(authority.split(":", maxsplit=1)[0].lower())
        place = _Place(url, offset, site)
        fragment_at = url.find("#", host_end)
        query_at = url.find("?", host_end, fragment_at if fragment_at >= 0 else len(url))
        path_end = next((p for p in (query_at, fragment_at) if p >= 0), len(url))
        parts: list[tuple[int, int, bool]] = [(host_end, path_end, False)]  # (start, end, query)
        if query_at >= 0:
            parts.append((query_at + 1, fragment_at if fragment_at >= 0 else len(url), True))
        if fragment_at >= 0:
            # Single-page trackers keep the number in the fragment: "#nums=…", "#/result/0/…".
            fragment = url[fragment_at + 1 :]
            inner = fragment.find("?")
            if inner >= 0:
                parts.append((fragment_at + 1, fragment_at + 1 + inner, False))
                parts.append((fragment_at + 2 + inner, len(url), True))
            else:
                parts.append((fragment_at + 1, len(url), "=" in fragment))
        for start, end, query in parts:
            if query:
                yield from self._query_values(place, start, end)
            else:
                yield from self._path_values(place, start, end)

    def _query_values(self, place: _Place, start: int, end: int) -> Iterator[LinkValue]:
        position = start
        for pair in re.split(r"[&;]", place.url[start:end]):
            name, equals, value = pair.partition("=")
            value_start = position + len(name) + len(equals)
            position += len(pair) + 1
            if not equals or not value:
                continue
            name = unquote_plus(name).lower()
            wanted = place.site is not None and name in place.site.params
            if wanted or name in self._store_params:
                yield from _split(place, value_start, value_start + len(value))

    def _path_values(self, place: _Place, start: int, end: int) -> Iterator[LinkValue]:
        position = start
        after_tracking_word = False
        for segment in place.url[start:end].split("/"):
            segment_start = position
            position += len(segment) + 1
            if not segment:
                continue
            if place.site is not None or after_tracking_word:
                yield from _split(place, segment_start, segment_start + len(segment))
            if unquote_plus(segment).lower() in self._path_words:
                after_tracking_word = True


def _split(place: _Place, start: int, end: int) -> Iterator[LinkValue]:
    raw = place.url[start:end]
    decoded = unquote_plus(raw)
    carrier = place.site.carrier if place.site else None
    for piece in _SPLIT_VALUES.split(decoded):
        value = piece.strip()
        if not value:
            continue
        found = raw.find(value)
        if value == decoded or found < 0:
            span = (start, end)  # percent-encoded: the whole raw value is the best span we have
        else:
            span = (start + found, start + found + len(value))
        yield LinkValue(value, place.offset + span[0], place.offset + span[1], carrier)
