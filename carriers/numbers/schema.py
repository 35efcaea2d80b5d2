"""The shapes of the shipped number data files, as pydantic models.

The tests validate every shipped file against these (tests/carriers/test_number_data.py); loading
(`specs`, `cues`, `links`) reads the JSON as it is and relies on that check, because importing
pydantic and building these models cost about a quarter of `wismo parse`'s start-up. The formats
follow tracking_number_data's courier format (docs/tracking-number-formats.md, Spec format); the
defaults here are the ones the loaders apply to a key that is absent.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from carriers.numbers.specs import Evidence


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CarrierShareFile(_Strict):
    carrier: str
    share: float = Field(gt=0, le=1)


class CarrierRuleFile(_Strict):
    when: dict[str, str]
    carriers: list[CarrierShareFile] = Field(min_length=1)


class TyposFile(_Strict):
    failed_validation: bool = False
    wrong_length: str | None = None


class ReadingFile(_Strict):
    """wismo's reading of a format: inline as `wismo`, or in `wismo/upstream.json`."""

    evidence: Evidence
    carriers: list[CarrierShareFile] = Field(min_length=1)
    carriers_by: list[CarrierRuleFile] = []
    typos: TyposFile | None = None


class PrependIfFile(_Strict):
    matches_regex: str
    content: str


class SerialNumberFormatFile(_Strict):
    prepend_if: PrependIfFile | None = None


class RequiredFile(_Strict):
    exists: list[str] = []


class ValidationFile(_Strict):
    checksum: dict[str, Any] | None = None
    serial_number_format: SerialNumberFormatFile | None = None
    additional: RequiredFile | None = None


class LookupEntryFile(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    matches: str | None = None
    matches_regex: str | None = None
    name: str | None = None


class LookupFile(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    name: str
    regex_group_name: str
    lookup: list[LookupEntryFile]


class ExamplesFile(_Strict):
    """A format's `test_numbers`."""

    valid: list[str]
    invalid: list[str]


class FormatFile(_Strict):
    id: str | None = None
    name: str
    description: str | None = None
    regex: str | list[str]
    validation: ValidationFile = ValidationFile()
    additional: list[LookupFile] = []
    partners: list[dict[str, Any]] | None = None
    glossary: dict[str, Any] | None = None
    tracking_url: str | None = None
    test_numbers: ExamplesFile
    wismo: ReadingFile | None = None


class CourierFile(_Strict):
    """One `couriers/<name>.json` file, upstream or our own."""

    name: str
    courier_code: str
    tracking_numbers: list[FormatFile] = Field(min_length=1)


class UpstreamReadingsFile(_Strict):
    """`wismo/upstream.json`: our reading of each upstream format, by format key."""

    description: str
    formats: dict[str, ReadingFile]


class CueFile(_Strict):
    """`wismo/cues.json`: cue words by language, kinds of other numbers, carrier names."""

    description: str
    tracking: dict[str, list[str]]
    not_tracking: dict[str, dict[str, list[str]]]
    carriers: dict[str, list[str]]


class HostFile(_Strict):
    host: str
    carrier: str | None
    params: list[str]


class LinkFile(_Strict):
    """`wismo/links.json`: tracking hosts and their parameters, store parameters, path words."""

    description: str
    hosts: list[HostFile]
    store_params: list[str]
    tracking_path_words: list[str]
