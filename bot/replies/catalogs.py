"""Translation catalogs: the .po files read once at start-up, and the language a reply is in.

The catalogs are the gettext files under `locales/` (`<locale>/LC_MESSAGES/wismo.po`, from the
template `wismo.pot`). They are read with Babel at start-up and compiled in memory, so there is
no build step: a .po file edited and committed is what the buyer reads after the next restart.
English is the source language (the msgids are the English text); `en` still has a catalog so
that every language is handled, and checked, the same way.

Maintaining them (Babel's own tools; `tests/replies/test_catalogs.py` fails until both are done):

    .venv/bin/pybabel extract --no-location -k N_ -c TRANSLATORS: --project=wismo \\
        -o bot/replies/locales/wismo.pot bot/replies
    .venv/bin/pybabel update --no-fuzzy-matching --ignore-obsolete \\
        -i bot/replies/locales/wismo.pot -d bot/replies/locales -D wismo

then translate every new (empty) message in every language.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from types import MappingProxyType

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.support import Translations

from bot.errors import ConfigurationInvalid
from bot.understanding.language import LANGUAGES, language_code

DOMAIN = "wismo"
LOCALES_DIRECTORY = Path(__file__).resolve().parent / "locales"
SOURCE_LANGUAGE = "en"
EXTRACT_KEYWORDS = ("N_",)
"""Marker functions `pybabel extract` must be told about, besides gettext's usual names."""
_NO_SPACE_BETWEEN_SENTENCES = frozenset({"zh"})


def locale_of(language: str) -> Locale:
    """Babel's locale for one of our language codes ("zh-Hant" -> zh_Hant)."""
    return Locale.parse(language, sep="-")


def catalog_path(language: str, directory: Path = LOCALES_DIRECTORY) -> Path:
    """Where the .po file of `language` lives: gettext's layout, named by Babel's locale id."""
    return directory / str(locale_of(language)) / "LC_MESSAGES" / f"{DOMAIN}.po"


class Translation:
    """One language: its gettext catalog, with `str.format` fields, and its Babel locale."""

    def __init__(self, language: str, translations: gettext.NullTranslations) -> None:
        self.language = language
        self.locale = locale_of(language)
        self._translations = translations

    @property
    def right_to_left(self) -> bool:
        return self.locale.character_order == "right-to-left"

    def join(self, *sentences: str) -> str:
        """Sentences run together as the language writes them (Chinese puts no space between)."""
        separator = "" if self.locale.language in _NO_SPACE_BETWEEN_SENTENCES else " "
        return separator.join(sentence for sentence in sentences if sentence)

    def gettext(self, message: str, /, **fields: object) -> str:
        """The translation of `message`, its `{name}` fields filled from `fields`."""
        return _fill(self._translations.gettext(message), fields)

    def ngettext(self, singular: str, plural: str, count: int, /, **fields: object) -> str:
        """The plural form this language uses for `count`, its fields filled from `fields`."""
        return _fill(self._translations.ngettext(singular, plural, count), fields)

    def pgettext(self, context: str, message: str, /, **fields: object) -> str:
        """The translation of `message` in `context` ("button": a ≤20-character label)."""
        return _fill(self._translations.pgettext(context, message), fields)


def _fill(text: str, fields: Mapping[str, object]) -> str:
    return text.format_map(fields) if fields else text


@dataclass(frozen=True, slots=True)
class Catalogs:
    """Every language's translation, and the fallbacks for a language we do not have.

    `translation(language)` resolves a tag the way the buyer would expect: our code for it
    ("zh-TW" is zh-Hant, "pt-BR" is pt), else the store's default language, else English.
    """

    by_language: Mapping[str, Translation]
    default_language: str = SOURCE_LANGUAGE

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.by_language)

    def resolve(self, language: str | None) -> str:
        """The language a reply asked for in `language` is written in."""
        for candidate in (language_code(language), self.default_language, SOURCE_LANGUAGE):
            if candidate is not None and candidate in self.by_language:
                return candidate
        return next(iter(self.by_language))

    def translation(self, language: str | None) -> Translation:
        return self.by_language[self.resolve(language)]


def load_catalogs(
    directory: Path = LOCALES_DIRECTORY,
    *,
    languages: Iterable[str] = LANGUAGES,
    default_language: str = SOURCE_LANGUAGE,
) -> Catalogs:
    """Read and compile the catalog of every language in `languages`.

    Fuzzy and untranslated messages fall back to the English msgid (the tests keep there
    being none). Raises ConfigurationInvalid when a catalog is missing or malformed, or when
    `default_language` is not one of `languages`.
    """
    by_language: dict[str, Translation] = {}
    for language in languages:
        by_language[language] = Translation(language, _compile(language, directory))
    default = language_code(default_language)
    if default not in by_language:
        raise ConfigurationInvalid(
            f"WISMO_DEFAULT_LANGUAGE: {default_language!r} is not one of {', '.join(by_language)}"
        )
    return Catalogs(MappingProxyType(by_language), default)


def _compile(language: str, directory: Path) -> Translations:
    path = catalog_path(language, directory)
    try:
        with path.open("rb") as file:
            catalog = read_po(file, locale=locale_of(language), domain=DOMAIN, abort_invalid=True)
    except OSError as exc:
        raise ConfigurationInvalid(f"translation catalog {path} cannot be read: {exc}") from exc
    except (PoFileError, UnknownLocaleError, ValueError) as exc:
        raise ConfigurationInvalid(f"translation catalog {path} is malformed: {exc}") from exc
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


__all__ = [
    "DOMAIN",
    "EXTRACT_KEYWORDS",
    "LOCALES_DIRECTORY",
    "SOURCE_LANGUAGE",
    "Catalogs",
    "Translation",
    "catalog_path",
    "load_catalogs",
    "locale_of",
]
