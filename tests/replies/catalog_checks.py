"""What makes a translation catalog unfit to ship, as a list of readable problems."""

from __future__ import annotations

import gettext
import re
import string
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.replies.catalogs import DOMAIN, EXTRACT_KEYWORDS, catalog_path, locale_of

FIELD = re.compile(r"\{(\w+)\}")
BUTTON_CONTEXT = "button"
BUTTON_CHARS = 20
COUNT_FIELDS = frozenset({"count", "days", "hours"})


def read_catalog(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=locale_of(language) if language else None, domain=DOMAIN)


def ids(message: Message) -> tuple[str, ...]:
    """The msgid, or the singular and plural msgids."""
    return tuple(message.id) if isinstance(message.id, (tuple, list)) else (str(message.id),)


def forms(message: Message) -> tuple[str, ...]:
    """The translation, or its plural forms ("" when untranslated)."""
    if isinstance(message.string, (tuple, list)):
        return tuple(message.string)
    return (message.string or "",)


def key(message: Message) -> tuple[str | None, str]:
    return message.context, ids(message)[0]


def entries(catalog: Catalog) -> dict[tuple[str | None, str], Message]:
    return {key(message): message for message in catalog if message.id}


def code_messages(source: Path) -> set[tuple[str | None, str]]:
    """Every message the code under `source` marks for translation, as pybabel extracts them."""
    keywords = dict(DEFAULT_KEYWORDS)
    keywords.update(dict.fromkeys(EXTRACT_KEYWORDS))
    found = set()
    for _, _, message, _, context in extract_from_dir(str(source), keywords=keywords):
        msgid = message[0] if isinstance(message, tuple) else message
        found.add((context, msgid))
    return found


def single_number_forms(catalog: Catalog) -> set[int]:
    """Plural forms that only one count selects (Arabic 0, 1 and 2; English 1): there a
    translation may say the number in words ("يومان") instead of the `{days}` field."""
    choose = gettext.c2py(catalog.plural_expr)
    chosen: dict[int, set[int]] = {}
    for n in range(0, 1200):
        chosen.setdefault(choose(n), set()).add(n)
    return {form for form, counts in chosen.items() if len(counts) == 1}


def _field_problems(
    where: str, wanted: set[str], text: str, may_omit: frozenset[str]
) -> Iterable[str]:
    try:
        list(string.Formatter().parse(text))
    except ValueError as exc:
        yield f"{where}: not a valid format string ({exc})"
        return
    got = set(FIELD.findall(text))
    if got - wanted:
        yield f"{where}: unknown fields {sorted(got - wanted)}"
    if (wanted - got) - may_omit:
        yield f"{where}: missing fields {sorted((wanted - got) - may_omit)}"


def problems(template_path: Path, language: str, locales: Path) -> list[str]:
    """Everything wrong with `language`'s catalog against the template."""
    path = catalog_path(language, locales)
    if not path.exists():
        return [f"{language}: no catalog at {path}"]
    template = entries(read_catalog(template_path))
    catalog = read_catalog(path, language)
    found = entries(catalog)
    issues = [f"{language}: missing {msg!r}" for msg in sorted(set(template) - set(found), key=str)]
    issues += [
        f"{language}: not in template {msg!r}"
        for msg in sorted(set(found) - set(template), key=str)
    ]
    expected_plurals = get_plural(locale_of(language))
    if catalog.num_plurals != expected_plurals.num_plurals:
        issues.append(
            f"{language}: Plural-Forms has {catalog.num_plurals} forms, "
            f"the language has {expected_plurals.num_plurals}"
        )
    single = single_number_forms(catalog)
    for entry_key, message in found.items():
        where = f"{language}: {entry_key[1][:50]!r}"
        if message.fuzzy:
            issues.append(f"{where}: fuzzy")
        if message.pluralizable:
            issues += _plural_problems(where, message, catalog.num_plurals, single)
        else:
            issues += _singular_problems(where, message)
    return issues


def _plural_problems(
    where: str, message: Message, num_plurals: int, single: set[int]
) -> Iterable[str]:
    texts = forms(message)
    if len(texts) != num_plurals:
        yield f"{where}: {len(texts)} plural forms, needs {num_plurals}"
    wanted = {field for msgid in ids(message) for field in FIELD.findall(msgid)}
    for index, text in enumerate(texts):
        if not text.strip():
            yield f"{where}[{index}]: empty"
            continue
        omit = COUNT_FIELDS if index in single else frozenset()
        yield from _field_problems(f"{where}[{index}]", wanted, text, omit)


def _singular_problems(where: str, message: Message) -> Iterable[str]:
    text = forms(message)[0]
    if not text.strip():
        yield f"{where}: empty"
        return
    yield from _field_problems(where, set(FIELD.findall(ids(message)[0])), text, frozenset())
    if message.context == BUTTON_CONTEXT and len(text) > BUTTON_CHARS:
        yield f"{where}: button title {text!r} is over {BUTTON_CHARS} characters"
