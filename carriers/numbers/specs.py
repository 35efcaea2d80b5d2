"""Tracking-number format specs: loading the shipped JSON and validating one candidate.

The files follow tracking_number_data's courier format (docs/tracking-number-formats.md,
Spec format). Each format also carries wismo's reading of it: how much a match proves alone,
which carrier slugs it names, and which near misses deserve a "please check" — inline as `wismo`
in our own files, and from `wismo/upstream.json` for the upstream files, which stay byte-for-byte
as published.

The files' shapes are `carriers.numbers.schema`'s models, which the tests check every shipped
file against; loading reads the JSON as it is (absent keys take the schema's defaults) and checks
only what the shapes cannot say (patterns compile, checksums and lookups exist, keys are unique).
"""

from __future__ import annotations

import functools
import importlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib.resources.abc import Traversable
from typing import Any

from carriers.errors import CarrierError
from carriers.numbers.checksums import CHECKSUMS, REQUIRED_PARAMETERS

UPSTREAM_DIRECTORY = "tracking_number_data"
OWN_DIRECTORY = "wismo"
UPSTREAM_READINGS = "upstream.json"

_PCRE_NAMED_GROUP = re.compile(r"\(\?<(?=[A-Za-z_])")
_NAMED_GROUP = re.compile(r"\(\?P<[A-Za-z_]\w*>")
_WHITESPACE = re.compile(r"\s+")
_NON_SLUG = re.compile(r"[^a-z0-9]+")


class SpecInvalid(CarrierError):
    """A shipped spec file cannot be used: bad JSON, a missing key, a pattern that won't compile.

    Raised only while loading; it means the package data is broken, never that a message is.
    """


class Evidence(StrEnum):
    """How much a match of a format proves on its own (Evidence and context)."""

    DISTINCTIVE = "distinctive"  # a prefix or length nothing else has: accepted anywhere
    CHECKSUM = "checksum"  # a check digit, but ~1 random string in 10 passes: needs support
    WEAK = "weak"  # a generic shape with no check digit: needs support
    NAMED = "named"  # indistinguishable from other numbers: needs its carrier's name


TYPO_CHECK_DIGIT = "check digit"
"""A likely typo's reason: the check digit does not match."""
TYPO_LENGTH = "length"
"""A likely typo's reason: a character too many or too few."""


class Outcome(StrEnum):
    """What validation says of a candidate whose shape matches the format's pattern."""

    VALID = "valid"
    CHECK_DIGIT = "check digit"  # the check digit is wrong
    LOOKUP = "lookup"  # the check digit holds but a required lookup has no entry
    BOTH = "both"  # wrong check digit and unknown lookup value: just an unrelated string


# --- the domain -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CarrierShare:
    """A carrier a format points to, and the share of that format's numbers it issues."""

    carrier: str
    share: float


@dataclass(frozen=True, slots=True)
class CarrierRule:
    """Carriers for numbers whose named groups fully match every pattern in `when`."""

    when: tuple[tuple[str, re.Pattern[str]], ...]
    carriers: tuple[CarrierShare, ...]

    def applies(self, groups: Mapping[str, str]) -> bool:
        return all(
            pattern.fullmatch(groups.get(group, "")) is not None for group, pattern in self.when
        )


@dataclass(frozen=True, slots=True)
class Lookup:
    """One `additional` table: values of a named group with exact or regex matches."""

    name: str
    group: str
    label: str
    exact: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]

    def contains(self, value: str) -> bool:
        return value in self.exact or any(p.fullmatch(value) for p in self.patterns)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The verdict on one candidate for one format whose pattern it fully matches."""

    spec: FormatSpec
    outcome: Outcome
    groups: Mapping[str, str]
    failed_lookup: Lookup | None = None

    @property
    def typo_reason(self) -> str | None:
        """Why a near miss is a near miss, for formats whose near misses are worth reporting."""
        if not self.spec.typo_on_failed_validation:
            return None
        if self.outcome is Outcome.CHECK_DIGIT:
            return TYPO_CHECK_DIGIT
        if self.outcome is Outcome.LOOKUP and self.failed_lookup is not None:
            return f"{self.spec.name} {self.failed_lookup.label.lower()} unknown"
        return None

    def carriers(self) -> tuple[CarrierShare, ...]:
        return self.spec.carriers_for(self.groups)


@dataclass(frozen=True, slots=True)
class FormatSpec:
    """One tracking-number format, compiled, with wismo's reading of what a match means."""

    key: str
    name: str
    courier_code: str
    source: str  # the pattern as published: tolerates whitespace between characters
    compact_source: str  # the same without its whitespace allowances, for compact input
    min_length: int  # of a compact match
    max_length: int
    checksum: str | None
    checksum_parameters: Mapping[str, Any]
    prepend_if: tuple[re.Pattern[str], str] | None
    required: tuple[Lookup, ...]
    lookups: tuple[Lookup, ...]
    tracking_url: str | None
    valid_examples: tuple[str, ...]
    invalid_examples: tuple[str, ...]
    evidence: Evidence
    default_carriers: tuple[CarrierShare, ...]
    carrier_rules: tuple[CarrierRule, ...]
    typo_on_failed_validation: bool
    wrong_length: re.Pattern[str] | None
    upstream: bool

    @property
    def pattern(self) -> re.Pattern[str]:
        """`source` compiled. Detection matches `compact` only, so this is compiled when asked
        for (`re` keeps it) rather than at load, where compiling it took a tenth of `wismo
        parse`'s start-up."""
        return re.compile(self.source, re.ASCII)

    @property
    def compact(self) -> re.Pattern[str]:
        """`compact_source` compiled, once, when detection first needs it: a message needs a
        few formats' patterns, and compiling all of them at load took a twentieth of `wismo
        parse`'s start-up (load parses each one, which finds the errors compiling would but
        a variable-width look-behind; the tests compile them all)."""
        return _compiled(self.compact_source)

    @property
    def has_checksum(self) -> bool:
        return self.checksum is not None

    @property
    def slugs(self) -> frozenset[str]:
        """Every carrier slug this format can name."""
        shares = list(self.default_carriers)
        for rule in self.carrier_rules:
            shares.extend(rule.carriers)
        return frozenset(share.carrier for share in shares)

    def carriers_for(self, groups: Mapping[str, str]) -> tuple[CarrierShare, ...]:
        for rule in self.carrier_rules:
            if rule.applies(groups):
                return rule.carriers
        return self.default_carriers

    def evaluate(self, candidate: str) -> Evaluation | None:
        """Validate a candidate; None when the shape differs.

        The steps are in docs/tracking-number-formats.md, Validating a candidate.

        The candidate is upper-cased and stripped of whitespace first, so a test number as
        published ("1Z 5R8 …") can be passed as is. Never raises.
        """
        return self.evaluate_compact(_WHITESPACE.sub("", candidate).upper())

    def evaluate_compact(self, compact: str) -> Evaluation | None:
        """`evaluate` for a candidate already upper case and free of whitespace."""
        match = self.compact.fullmatch(compact)
        if match is None:
            return None
        groups = {name: value for name, value in match.groupdict().items() if value is not None}
        checksum_ok = True
        if self.checksum is not None:
            serial = groups.get("SerialNumber", "")
            if self.prepend_if is not None and self.prepend_if[0].search(serial):
                serial = self.prepend_if[1] + serial
            checksum_ok = CHECKSUMS[self.checksum](
                serial, groups.get("CheckDigit", ""), self.checksum_parameters
            )
        failed = next(
            (
                lookup
                for lookup in self.required
                if not lookup.contains(groups.get(lookup.group, ""))
            ),
            None,
        )
        if checksum_ok and failed is None:
            outcome = Outcome.VALID
        elif failed is None:
            outcome = Outcome.CHECK_DIGIT
        elif checksum_ok:
            outcome = Outcome.LOOKUP
        else:
            outcome = Outcome.BOTH
        return Evaluation(self, outcome, groups, failed)


def format_key(definition_id: str | None, name: str) -> str:
    """The stable key of a format: its `id`, or the upstream site's slug of its name (Quirks)."""
    return definition_id or _NON_SLUG.sub("-", name.lower()).strip("-")


def python_pattern(regex: str | list[str]) -> str:
    """Join a spec's regex and rewrite PCRE `(?<Name>` to Python's `(?P<Name>`."""
    source = "".join(regex) if isinstance(regex, list) else regex
    return _PCRE_NAMED_GROUP.sub("(?P<", source)


def compact_pattern(source: str) -> str:
    """The pattern without its whitespace allowances, for input with no whitespace.

    The data writes whitespace only as `\\s*` after a character and `\\s` inside a class, so
    dropping both leaves a pattern that accepts exactly the same whitespace-free strings.
    """
    return source.replace(r"\s*", "").replace(r"\s", "")


def pattern_shape(source: str) -> tuple[int, int, frozenset[str]]:
    """Shortest and longest string a (whitespace-free) pattern can match, and its group names.

    Uses the regex parser behind `re`, which is not public API; should it move, the pattern is
    compiled for its groups and every format simply counts as fitting every length, which is
    slower but still correct. Raises re.error for a pattern that does not parse.
    """
    try:
        parser = importlib.import_module("re._parser")
        parsed = parser.parse(source, re.ASCII)
        low, high = parsed.getwidth()
        return int(low), int(high), frozenset(parsed.state.groupdict)
    except (ImportError, AttributeError, TypeError, ValueError):
        return 0, 1 << 30, frozenset(re.compile(source, re.ASCII).groupindex)


def anonymous_pattern(source: str) -> str:
    """The same pattern with its named groups unnamed, so several can share one alternation."""
    return _NAMED_GROUP.sub("(?:", source)


@functools.cache  # keyed by the pattern: one per format of the data
def _compiled(source: str) -> re.Pattern[str]:
    return re.compile(source, re.ASCII)


def _compile(source: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(source, re.ASCII)
    except re.error as exc:
        raise SpecInvalid(f"{where}: pattern does not compile: {exc}") from exc


def _read_json(file: Traversable) -> Any:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SpecInvalid(f"{file.name}: {exc}") from exc


def _lookups(
    definitions: Iterable[Mapping[str, Any]], labels: Mapping[str, str], where: str
) -> tuple[Lookup, ...]:
    lookups = []
    for lookup in definitions:
        entries = lookup["lookup"]
        exact = frozenset(entry["matches"] for entry in entries if entry.get("matches") is not None)
        patterns = tuple(
            _compile(entry["matches_regex"], f"{where} lookup {lookup['name']}")
            for entry in entries
            if entry.get("matches_regex") is not None
        )
        group = lookup["regex_group_name"]
        label = labels.get(group, group)
        lookups.append(Lookup(lookup["name"], group, label, exact, patterns))
    return tuple(lookups)


def _shares(shares: Iterable[Mapping[str, Any]]) -> tuple[CarrierShare, ...]:
    return tuple(CarrierShare(share["carrier"], float(share["share"])) for share in shares)


def _spec(
    courier: Mapping[str, Any],
    definition: Mapping[str, Any],
    reading: Mapping[str, Any],
    labels: Mapping[str, str],
    *,
    upstream: bool,
) -> FormatSpec:
    """One format of a courier file (schema.FormatFile) with its reading (schema.ReadingFile)."""
    key = format_key(definition.get("id"), definition["name"])
    where = f"{courier['courier_code']}/{key}"
    source = python_pattern(definition["regex"])
    compact_source = compact_pattern(source)
    # Only the compact form is read here (and compiled when first matched): it has the same
    # groups, and the published form differs from it by whitespace allowances alone
    # (tests/carriers/test_number_data.py).
    try:
        min_length, max_length, groups = pattern_shape(compact_source)
    except re.error as exc:
        raise SpecInvalid(f"{where}: pattern does not compile: {exc}") from exc
    validation = definition.get("validation") or {}
    checksum_name: str | None = None
    parameters: dict[str, Any] = {}
    if validation.get("checksum") is not None:
        parameters = dict(validation["checksum"])
        checksum_name = str(parameters.pop("name", ""))
        if checksum_name not in CHECKSUMS:
            raise SpecInvalid(f"{where}: unknown checksum {checksum_name!r}")
        missing = [p for p in REQUIRED_PARAMETERS.get(checksum_name, ()) if p not in parameters]
        if missing:
            raise SpecInvalid(f"{where}: checksum {checksum_name} lacks {missing}")
        if "CheckDigit" not in groups:
            raise SpecInvalid(f"{where}: a checksum needs a CheckDigit group")
    if "SerialNumber" not in groups:
        raise SpecInvalid(f"{where}: no SerialNumber group")
    prepend_if = None
    rule = (validation.get("serial_number_format") or {}).get("prepend_if")
    if rule:
        prepend_if = (_compile(rule["matches_regex"], f"{where} prepend_if"), rule["content"])
    lookups = _lookups(definition.get("additional", ()), labels, where)
    by_name = {lookup.name: lookup for lookup in lookups}
    required_names = (validation.get("additional") or {}).get("exists", [])
    unknown = [name for name in required_names if name not in by_name]
    if unknown:
        raise SpecInvalid(f"{where}: validation requires unknown lookups {unknown}")
    rules = tuple(
        CarrierRule(
            tuple(
                (group, _compile(regex, f"{where} carriers_by"))
                for group, regex in rule["when"].items()
            ),
            _shares(rule["carriers"]),
        )
        for rule in reading.get("carriers_by", ())
    )
    typos = reading.get("typos") or {}
    wrong_length = typos.get("wrong_length")
    examples = definition["test_numbers"]
    return FormatSpec(
        key=key,
        name=definition["name"],
        courier_code=courier["courier_code"],
        source=source,
        compact_source=compact_source,
        min_length=min_length,
        max_length=max_length,
        checksum=checksum_name,
        checksum_parameters=parameters,
        prepend_if=prepend_if,
        required=tuple(by_name[name] for name in required_names),
        lookups=lookups,
        tracking_url=definition.get("tracking_url"),
        valid_examples=tuple(examples["valid"]),
        invalid_examples=tuple(examples["invalid"]),
        evidence=Evidence(reading["evidence"]),
        default_carriers=_shares(reading["carriers"]),
        carrier_rules=rules,
        typo_on_failed_validation=bool(typos.get("failed_validation", False)),
        wrong_length=_compile(wrong_length, f"{where} wrong_length") if wrong_length else None,
        upstream=upstream,
    )


def _json_files(directory: Traversable) -> list[Traversable]:
    return sorted(
        (entry for entry in directory.iterdir() if entry.name.endswith(".json")),
        key=lambda entry: entry.name,
    )


def _courier_specs(
    file: Traversable, readings: Mapping[str, Any] | None, labels: Mapping[str, str]
) -> list[FormatSpec]:
    """The formats of one courier file; `readings` by key for upstream files, None for our
    own (whose formats carry theirs)."""
    courier = _read_json(file)
    specs = []
    try:
        for definition in courier["tracking_numbers"]:
            if readings is not None:
                key = format_key(definition.get("id"), definition["name"])
                if key not in readings:
                    raise SpecInvalid(
                        f"{file.name}: format {key!r} has no reading in upstream.json"
                    )
                specs.append(_spec(courier, definition, readings[key], labels, upstream=True))
            elif definition.get("wismo") is None:
                raise SpecInvalid(f"{file.name}: {definition['name']!r} has no wismo reading")
            else:
                reading = definition["wismo"]
                specs.append(_spec(courier, definition, reading, labels, upstream=False))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # Only a file that does not follow schema.CourierFile gets here (the tests check the
        # shipped ones).
        raise SpecInvalid(f"{file.name}: not a courier file: {exc!r}") from exc
    return specs


def load_formats(data: Traversable) -> tuple[FormatSpec, ...]:
    """Every format in the shipped data: the upstream couriers first, then our own.

    Raises SpecInvalid when a file is unreadable or inconsistent (a bad pattern, an unknown
    checksum, an upstream format without a reading, a reading for a format that does not exist,
    or two formats with the same key).
    """
    upstream = data / UPSTREAM_DIRECTORY
    own = data / OWN_DIRECTORY
    glossary = _read_json(upstream / "glossary.json")
    labels = {group: str(entry.get("label", group)) for group, entry in glossary.items()}
    try:
        readings: dict[str, Any] = _read_json(own / UPSTREAM_READINGS)["formats"]
    except (KeyError, TypeError) as exc:
        raise SpecInvalid(f"{UPSTREAM_READINGS}: no formats: {exc!r}") from exc
    specs: list[FormatSpec] = []
    for file in _json_files(upstream / "couriers"):
        specs.extend(_courier_specs(file, readings, labels))
    for file in _json_files(own / "couriers"):
        specs.extend(_courier_specs(file, None, labels))
    keys = [spec.key for spec in specs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise SpecInvalid(f"format keys used twice: {duplicates}")
    stale = sorted(set(readings) - set(keys))
    if stale:
        raise SpecInvalid(f"upstream.json reads formats that do not exist: {stale}")
    return tuple(specs)
