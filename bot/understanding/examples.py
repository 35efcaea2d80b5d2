"""The team's labelled corpus: template files expanded into messages, split for training and
evaluation.

Files `corpus/<language>.tpl` (see corpus/README.md) hold sections headed
`== <intent> [<aspect>] [hard]`, slot definitions `@name = a | b | c`, and one template per
line: `{name}` takes a slot's values, `(a|b|)` one of the alternatives (empty allowed), `{n}` a
tracking or order number (NUMBER_MARK). Every template gives up to PER_TEMPLATE messages, picked
with a random generator seeded by the template itself, and some of them a chat-style variant
(typo, no accents, lower case, an emoji). A template is in the evaluation split when its CRC-32
says so (about one in five): the training never sees any message made from it.
"""

from __future__ import annotations

import itertools
import random
import re
import unicodedata
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.understanding.lexicon import Aspect, Intent
from bot.understanding.model import NUMBER_MARK

CORPUS = Path(__file__).parent / "corpus"
SPLIT_MODULUS = 5
PER_TEMPLATE = 6
VARIANT_SHARE = 0.4
EMOJI = ("🙏", "😡", "😭", "🙄", "??", "!!", "...", "😅")
_SLOT = re.compile(r"\{(\w+)\}")
_CHOICE = re.compile(r"\(([^()]*\|[^()]*)\)")


class CorpusInvalid(Exception):
    """A corpus file does not follow the format (names the file and line)."""


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled message of the corpus."""

    text: str
    intent: Intent
    aspect: Aspect | None
    language: str
    hard: bool  # a hard negative: about an order, but not where it is
    evaluation: bool  # in the held-out split
    source: str  # "<file>:<line>"


def in_evaluation(language: str, template: str) -> bool:
    """Whether a template belongs to the held-out split (stable: CRC-32 of language + text)."""
    return zlib.crc32(f"{language}\t{template}".encode()) % SPLIT_MODULUS == 0


def _alternatives(template: str, slots: Mapping[str, tuple[str, ...]]) -> list[list[str]]:
    """The template cut into parts, each a list of what it may be."""
    parts: list[list[str]] = []
    position = 0
    pattern = re.compile(rf"{_SLOT.pattern}|{_CHOICE.pattern}")
    for match in pattern.finditer(template):
        parts.append([template[position : match.start()]])
        if match.group(1):
            name = match.group(1)
            parts.append([NUMBER_MARK] if name == "n" else list(slots[name]))
        else:
            parts.append(match.group(2).split("|"))
        position = match.end()
    parts.append([template[position:]])
    return parts


def expand(template: str, slots: Mapping[str, tuple[str, ...]], rng: random.Random) -> list[str]:
    """Up to PER_TEMPLATE distinct messages a template stands for. Raises KeyError on an
    unknown slot."""
    parts = _alternatives(template, slots)
    total = 1
    for part in parts:
        total *= len(part)
    if total <= PER_TEMPLATE:
        combos = list(itertools.product(*parts))
    else:
        combos = [tuple(rng.choice(part) for part in parts) for _ in range(PER_TEMPLATE * 2)]
    seen: dict[str, None] = {}
    for combo in combos:
        text = " ".join("".join(combo).split())
        if text:
            seen.setdefault(text, None)
    return list(seen)[:PER_TEMPLATE]


def chat_variant(text: str, rng: random.Random) -> str:
    """The message as typed in a hurry: one of a typo, no accents, lower case, an emoji."""
    style = rng.randrange(4)
    if style == 0:
        letters = [i for i, char in enumerate(text) if char.isalpha()]
        if len(letters) > 4:
            at = rng.choice(letters[1:])
            if rng.random() < 0.5:
                return text[:at] + text[at + 1 :]
            return text[: at - 1] + text[at] + text[at - 1] + text[at + 1 :]
    if style == 1:
        stripped = "".join(
            char
            for char in unicodedata.normalize("NFD", text)
            if unicodedata.category(char) != "Mn"
        )
        return unicodedata.normalize("NFC", stripped)
    if style == 2:
        return text.lower().rstrip("?.!")
    return text + " " + rng.choice(EMOJI)


@dataclass(frozen=True, slots=True)
class _Section:
    intent: Intent
    aspect: Aspect | None
    hard: bool


def _section(header: str, where: str) -> _Section:
    parts = header.split()
    try:
        intent = Intent(parts[0])
        aspect = Aspect(parts[1]) if len(parts) > 1 and parts[1] != "hard" else None
    except (ValueError, IndexError) as exc:
        raise CorpusInvalid(f"{where}: bad section header {header!r}") from exc
    if (aspect is None) == (intent is Intent.WHERE_IS_MY_ORDER):
        raise CorpusInvalid(f"{where}: where_is_my_order needs an aspect, others none")
    return _Section(intent, aspect, parts[-1] == "hard")


def read_file(path: Path) -> Iterator[Example]:
    """The examples of one corpus file. Raises CorpusInvalid naming the line."""
    language = path.stem
    slots: dict[str, tuple[str, ...]] = {}
    section: _Section | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        where = f"{path.name}:{number}"
        if not line or line.startswith("#"):
            continue
        if line.startswith("@"):
            name, _, values = line[1:].partition("=")
            slots[name.strip()] = tuple(value.strip() for value in values.split("|"))
        elif line.startswith("=="):
            section = _section(line[2:].strip(), where)
        elif section is None:
            raise CorpusInvalid(f"{where}: a template before any section")
        else:
            yield from _examples(line, section, language, slots, where)


def _examples(
    line: str,
    section: _Section,
    language: str,
    slots: Mapping[str, tuple[str, ...]],
    where: str,
) -> Iterator[Example]:
    rng = random.Random(zlib.crc32(f"{language}\t{line}".encode()))
    evaluation = in_evaluation(language, line)
    try:
        texts = expand(line, slots, rng)
    except KeyError as exc:
        raise CorpusInvalid(f"{where}: unknown slot {exc}") from exc
    for text in texts:
        variants = [text]
        if rng.random() < VARIANT_SHARE:
            variants.append(chat_variant(text, rng))
        for variant in dict.fromkeys(variants):
            yield Example(
                variant,
                section.intent,
                section.aspect,
                language,
                section.hard,
                evaluation,
                where,
            )


def load_examples(folder: Path = CORPUS) -> list[Example]:
    """Every example of every language file, in file order. Raises CorpusInvalid."""
    return [example for path in sorted(folder.glob("*.tpl")) for example in read_file(path)]
