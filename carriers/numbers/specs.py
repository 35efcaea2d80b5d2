"""Tracking-number format specs: loading the shipped JSON and validating one candidate.

The files follow tracking_number_data's courier format (docs/tracking-number-formats.md,
Spec format). Each format also carries wismo's reading of it (`Reading`): how much a match
proves alone, which carrier slugs it names, and which near misses deserve a "please check" —
inline as `wismo` in our own files, and from `wismo/upstream.json` for the upstream files, which
stay byte-for-byte as published.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib.resources.abc import Traversable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

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


# --- the file shapes (pydantic at the edge) -------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _CarrierShare(_Strict):
    carrier: str
    share: float = Field(gt=0, le=1)


class _CarrierRule(_Strict):
    when: dict[str, str]
    carriers: list[_CarrierShare] = Field(min_length=1)


class _Typos(_Strict):
    failed_validation: bool = False
    wrong_length: str | None = None


class _Reading(_Strict):
    evidence: Evidence
    carriers: list[_CarrierShare] = Field(min_length=1)
    carriers_by: list[_CarrierRule] = []
    typos: _Typos | None = None


class _PrependIf(_Strict):
    matches_regex: str
    content: str


class _SerialNumberFormat(_Strict):
    prepend_if: _PrependIf | None = None


class _Required(_Strict):
    exists: list[str] = []


class _Validation(_Strict):
    checksum: dict[str, Any] | None = None
    serial_number_format: _SerialNumberFormat | None = None
    additional: _Required | None = None


class _LookupEntry(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    matches: str | None = None
    matches_regex: str | None = None
    name: str | None = None


class _Lookup(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    name: str
    regex_group_name: str
    lookup: list[_LookupEntry]


class _TestNumbers(_Strict):
    valid: list[str]
    invalid: list[str]


class _Format(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str | None = None
    name: str
    description: str | None = None
    regex: str | list[str]
    validation: _Validation = _Validation()
    additional: list[_Lookup] = []
    partners: list[dict[str, Any]] | None = None
    glossary: dict[str, Any] | None = None
    tracking_url: str | None = None
    test_numbers: _TestNumbers
    wismo: _Reading | None = None


class _Courier(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    courier_code: str
    tracking_numbers: list[_Format] = Field(min_length=1)


class _UpstreamReadings(_Strict):
    description: str
    formats: dict[str, _Reading]


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
    compact: re.Pattern[str]  # the same without its whitespace allowances, for compact input
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


def pattern_width(source: str) -> tuple[int, int]:
    """Shortest and longest string a (whitespace-free) pattern can match.

    Uses the regex parser behind `re`, which is not public API; should it move, every format
    simply counts as fitting every length, which is slower but still correct.
    """
    try:
        parser = importlib.import_module("re._parser")
        low, high = parser.parse(source).getwidth()
        return int(low), int(high)
    except (ImportError, AttributeError, TypeError, ValueError):
        return 0, 1 << 30


def anonymous_pattern(source: str) -> str:
    """The same pattern with its named groups unnamed, so several can share one alternation."""
    return _NAMED_GROUP.sub("(?:", source)


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
    definitions: Iterable[_Lookup], labels: Mapping[str, str], where: str
) -> tuple[Lookup, ...]:
    lookups = []
    for lookup in definitions:
        exact = frozenset(entry.matches for entry in lookup.lookup if entry.matches is not None)
        patterns = tuple(
            _compile(entry.matches_regex, f"{where} lookup {lookup.name}")
            for entry in lookup.lookup
            if entry.matches_regex is not None
        )
        label = labels.get(lookup.regex_group_name, lookup.regex_group_name)
        lookups.append(Lookup(lookup.name, lookup.regex_group_name, label, exact, patterns))
    return tuple(lookups)


def _shares(shares: Iterable[_CarrierShare]) -> tuple[CarrierShare, ...]:
    return tuple(CarrierShare(share.carrier, share.share) for share in shares)


def _spec(
    courier: _Courier,
    definition: _Format,
    reading: _Reading,
    labels: Mapping[str, str],
    *,
    upstream: bool,
) -> FormatSpec:
    key = format_key(definition.id, definition.name)
    where = f"{courier.courier_code}/{key}"
    source = python_pattern(definition.regex)
    compact_source = compact_pattern(source)
    # Only the compact form is compiled here: it has the same groups, and the published form
    # differs from it by whitespace allowances alone (tests/carriers/test_number_data.py).
    pattern = _compile(compact_source, where)
    min_length, max_length = pattern_width(compact_source)
    validation = definition.validation
    checksum_name: str | None = None
    parameters: dict[str, Any] = {}
    if validation.checksum is not None:
        parameters = dict(validation.checksum)
        checksum_name = str(parameters.pop("name", ""))
        if checksum_name not in CHECKSUMS:
            raise SpecInvalid(f"{where}: unknown checksum {checksum_name!r}")
        missing = [p for p in REQUIRED_PARAMETERS.get(checksum_name, ()) if p not in parameters]
        if missing:
            raise SpecInvalid(f"{where}: checksum {checksum_name} lacks {missing}")
        if "CheckDigit" not in pattern.groupindex:
            raise SpecInvalid(f"{where}: a checksum needs a CheckDigit group")
    if "SerialNumber" not in pattern.groupindex:
        raise SpecInvalid(f"{where}: no SerialNumber group")
    prepend_if = None
    if validation.serial_number_format and validation.serial_number_format.prepend_if:
        rule = validation.serial_number_format.prepend_if
        prepend_if = (_compile(rule.matches_regex, f"{where} prepend_if"), rule.content)
    lookups = _lookups(definition.additional, labels, where)
    by_name = {lookup.name: lookup for lookup in lookups}
    required_names = validation.additional.exists if validation.additional else []
    unknown = [name for name in required_names if name not in by_name]
    if unknown:
        raise SpecInvalid(f"{where}: validation requires unknown lookups {unknown}")
    rules = tuple(
        CarrierRule(
            tuple(
                (group, _compile(regex, f"{where} carriers_by"))
                for group, regex in rule.when.items()
            ),
            _shares(rule.carriers),
        )
        for rule in reading.carriers_by
    )
    typos = reading.typos or _Typos()
    return FormatSpec(
        key=key,
        name=definition.name,
        courier_code=courier.courier_code,
        source=source,
        compact=pattern,
        min_length=min_length,
        max_length=max_length,
        checksum=checksum_name,
        checksum_parameters=parameters,
        prepend_if=prepend_if,
        required=tuple(by_name[name] for name in required_names),
        lookups=lookups,
        tracking_url=definition.tracking_url,
        valid_examples=tuple(definition.test_numbers.valid),
        invalid_examples=tuple(definition.test_numbers.invalid),
        evidence=reading.evidence,
        default_carriers=_shares(reading.carriers),
        carrier_rules=rules,
        typo_on_failed_validation=typos.failed_validation,
        wrong_length=_compile(typos.wrong_length, f"{where} wrong_length")
        if typos.wrong_length
        else None,
        upstream=upstream,
    )


def _courier(file: Traversable) -> _Courier:
    try:
        return _Courier.model_validate(_read_json(file))
    except ValidationError as exc:
        raise SpecInvalid(f"{file.name}: {exc}") from exc


def _json_files(directory: Traversable) -> list[Traversable]:
    return sorted(
        (entry for entry in directory.iterdir() if entry.name.endswith(".json")),
        key=lambda entry: entry.name,
    )


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
        readings = _UpstreamReadings.model_validate(_read_json(own / UPSTREAM_READINGS)).formats
    except ValidationError as exc:
        raise SpecInvalid(f"{UPSTREAM_READINGS}: {exc}") from exc
    specs: list[FormatSpec] = []
    for file in _json_files(upstream / "couriers"):
        courier = _courier(file)
        for definition in courier.tracking_numbers:
            key = format_key(definition.id, definition.name)
            if key not in readings:
                raise SpecInvalid(f"{file.name}: format {key!r} has no reading in upstream.json")
            specs.append(_spec(courier, definition, readings[key], labels, upstream=True))
    for file in _json_files(own / "couriers"):
        courier = _courier(file)
        for definition in courier.tracking_numbers:
            if definition.wismo is None:
                raise SpecInvalid(f"{file.name}: {definition.name!r} has no wismo reading")
            specs.append(_spec(courier, definition, definition.wismo, labels, upstream=False))
    keys = [spec.key for spec in specs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise SpecInvalid(f"format keys used twice: {duplicates}")
    stale = sorted(set(readings) - set(keys))
    if stale:
        raise SpecInvalid(f"upstream.json reads formats that do not exist: {stale}")
    return tuple(specs)
