"""The shipped format data stays complete, loadable, licensed and consistent with the catalog."""

from __future__ import annotations

import json
import re
import tomllib
from importlib.resources import files
from pathlib import Path

import pytest

from carriers.catalog import BY_SLUG
from carriers.numbers.schema import CourierFile, CueFile, LinkFile, UpstreamReadingsFile
from carriers.numbers.specs import (
    Evidence,
    FormatSpec,
    Outcome,
    SpecInvalid,
    format_key,
    load_formats,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "carriers" / "data"
UPSTREAM = DATA / "tracking_number_data"
OWN = DATA / "wismo"
FORMATS = load_formats(files("carriers") / "data")
UPSTREAM_FORMATS = [spec for spec in FORMATS if spec.upstream]
OWN_FORMATS = [spec for spec in FORMATS if not spec.upstream]


COURIER_FILES = sorted(UPSTREAM.glob("couriers/*.json")) + sorted(OWN.glob("couriers/*.json"))


def _listed_files() -> list[str]:
    text = (UPSTREAM / "UPSTREAM.txt").read_text(encoding="utf-8")
    listing = text.split("Files copied", 1)[1].split("Not copied", 1)[0]
    return re.findall(r"^\s+\./(\S+)$", listing, flags=re.MULTILINE)


def test_every_file_recorded_in_upstream_txt_is_in_our_copy() -> None:
    listed = _listed_files()
    assert len(listed) == 23
    assert [path for path in listed if not (UPSTREAM / path).is_file()] == []


def test_our_copy_holds_nothing_upstream_txt_does_not_list() -> None:
    present = sorted(
        str(path.relative_to(UPSTREAM))
        for path in UPSTREAM.rglob("*")
        if path.is_file() and path.name != "UPSTREAM.txt"
    )
    assert present == sorted(_listed_files())


def test_the_mit_licence_and_its_copyright_notice_ship_with_the_data() -> None:
    licence = (UPSTREAM / "LICENSE").read_text(encoding="utf-8")
    assert "MIT License" in licence
    assert "Copyright (c) 2017 Jeff Keen" in licence
    assert "b79ce4bfc04519ef4bc85bf7c6f321795aadf3d3" in (UPSTREAM / "UPSTREAM.txt").read_text()


# Loading trusts the files' shapes (carriers.numbers.schema): these are the checks it skips.
@pytest.mark.parametrize(
    "path", COURIER_FILES, ids=lambda path: f"{path.parent.parent.name}/{path.name}"
)
def test_every_courier_file_has_the_courier_shape(path: Path) -> None:
    courier = CourierFile.model_validate_json(path.read_text(encoding="utf-8"))
    own = path.is_relative_to(OWN)
    assert all((spec.wismo is not None) == own for spec in courier.tracking_numbers)


def test_the_readings_cue_and_link_files_have_their_shapes() -> None:
    UpstreamReadingsFile.model_validate_json((OWN / "upstream.json").read_text(encoding="utf-8"))
    CueFile.model_validate_json((OWN / "cues.json").read_text(encoding="utf-8"))
    LinkFile.model_validate_json((OWN / "links.json").read_text(encoding="utf-8"))


def test_upstream_data_is_release_2_0_0_with_its_39_formats_and_280_test_numbers() -> None:
    assert len(list((UPSTREAM / "couriers").glob("*.json"))) == 18
    assert len(UPSTREAM_FORMATS) == 39
    assert sum(len(spec.valid_examples) for spec in UPSTREAM_FORMATS) == 192
    assert sum(len(spec.invalid_examples) for spec in UPSTREAM_FORMATS) == 88


def test_formats_without_an_id_get_the_upstream_sites_slugs() -> None:
    keys = {spec.key for spec in UPSTREAM_FORMATS}
    assert {
        "lasership-1ls7-18",
        "old-dominion",
        "old-dominion-guaranteed-shipment",
        "ups-waybill",
    } <= keys
    assert format_key(None, "LaserShip 1LS7 (18)") == "lasership-1ls7-18"


def test_every_checksum_algorithm_the_specs_name_is_implemented() -> None:
    assert {spec.checksum for spec in UPSTREAM_FORMATS if spec.checksum} == {
        "mod10",
        "mod7",
        "s10",
        "sum_product_with_weightings_and_modulo",
        "luhn",
        "mod_37_36",
    }


@pytest.mark.parametrize(
    ("spec", "number"),
    [(spec, number) for spec in FORMATS for number in spec.valid_examples],
    ids=lambda value: value.key if isinstance(value, FormatSpec) else repr(value),
)
def test_every_valid_test_number_validates_for_its_format(spec: FormatSpec, number: str) -> None:
    evaluation = spec.evaluate(number)
    assert evaluation is not None
    assert evaluation.outcome is Outcome.VALID


@pytest.mark.parametrize(
    ("spec", "number"),
    [(spec, number) for spec in FORMATS for number in spec.invalid_examples],
    ids=lambda value: value.key if isinstance(value, FormatSpec) else repr(value),
)
def test_every_invalid_test_number_fails_its_format(spec: FormatSpec, number: str) -> None:
    evaluation = spec.evaluate(number)
    assert evaluation is None or evaluation.outcome is not Outcome.VALID


def test_s10_requires_a_known_country_but_not_a_known_service_type() -> None:
    s10 = next(spec for spec in FORMATS if spec.key == "s10")
    unknown_country = s10.evaluate("RB123456785XX")
    assert unknown_country is not None
    assert unknown_country.outcome is Outcome.LOOKUP
    assert unknown_country.typo_reason == "S10 country code unknown"
    for number in ("AA123456785GB", "FA123456785CN", "OK123456785BR"):
        evaluation = s10.evaluate(number)
        assert evaluation is not None
        assert evaluation.outcome is Outcome.VALID, number


def test_ups_service_codes_outside_the_lookup_are_still_valid() -> None:
    ups = next(spec for spec in FORMATS if spec.key == "ups")
    evaluation = ups.evaluate("1Z5R89390512345670")
    assert evaluation is not None
    assert evaluation.outcome is Outcome.VALID


def test_the_compact_patterns_accept_exactly_what_the_published_ones_do() -> None:
    for spec in FORMATS:
        for number in (*spec.valid_examples, *spec.invalid_examples):
            compact = re.sub(r"\s+", "", number).upper()
            assert bool(spec.pattern.fullmatch(compact)) == bool(spec.compact.fullmatch(compact))


def test_every_compact_pattern_compiles_with_the_groups_its_format_needs() -> None:
    """Loading parses the patterns; they are compiled when detection first matches them."""
    for spec in FORMATS:
        groups = spec.compact.groupindex
        assert "SerialNumber" in groups, spec.key
        assert spec.checksum is None or "CheckDigit" in groups, spec.key


def test_every_example_length_lies_within_its_formats_computed_width() -> None:
    for spec in FORMATS:
        for number in spec.valid_examples:
            assert spec.min_length <= len(re.sub(r"\s+", "", number)) <= spec.max_length, spec.key


def test_format_keys_are_unique() -> None:
    keys = [spec.key for spec in FORMATS]
    assert len(keys) == len(set(keys))


def test_every_carrier_a_format_names_is_in_the_catalog() -> None:
    named = {slug for spec in FORMATS for slug in spec.slugs}
    assert sorted(named - set(BY_SLUG)) == []


def test_every_carrier_named_in_the_cue_and_link_data_is_in_the_catalog() -> None:
    cues = json.loads((OWN / "cues.json").read_text(encoding="utf-8"))
    links = json.loads((OWN / "links.json").read_text(encoding="utf-8"))
    named = set(cues["carriers"]) | {host["carrier"] for host in links["hosts"] if host["carrier"]}
    assert sorted(named - set(BY_SLUG)) == []


def test_every_s10_country_we_map_to_a_post_is_a_country_the_data_knows() -> None:
    s10 = next(spec for spec in FORMATS if spec.key == "s10")
    countries = next(lookup for lookup in s10.lookups if lookup.group == "CountryCode").exact
    mapped = {
        pattern.pattern
        for rule in s10.carrier_rules
        for group, pattern in rule.when
        if group == "CountryCode"
    }
    assert sorted(mapped - countries) == []
    assert {"CN", "GB", "US", "JP", "DE", "FR"} <= mapped


def test_our_formats_cover_the_cross_border_carriers_the_issue_names() -> None:
    slugs = {slug for spec in OWN_FORMATS for slug in spec.slugs}
    assert {
        "cainiao",
        "4px",
        "yanwen",
        "sf-express",
        "jt-express",
        "china-post",
        "china-ems",
        "yto",
    } <= slugs
    upstream_slugs = {slug for spec in UPSTREAM_FORMATS for slug in spec.slugs}
    assert "yunexpress" in upstream_slugs


def test_our_formats_each_have_valid_and_invalid_examples() -> None:
    assert all(spec.valid_examples and spec.invalid_examples for spec in OWN_FORMATS)


def test_formats_without_a_check_digit_are_never_trusted_as_checksum_evidence() -> None:
    assert [
        spec.key for spec in FORMATS if spec.evidence is Evidence.CHECKSUM and not spec.has_checksum
    ] == []


def test_the_package_data_globs_ship_every_data_file() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package = ROOT / "carriers"
    shipped = {
        path
        for pattern in pyproject["tool"]["setuptools"]["package-data"]["*"]
        for path in package.glob(pattern)
    }
    assert (
        sorted(
            str(path.relative_to(package))
            for path in DATA.rglob("*")
            if path.is_file() and path not in shipped
        )
        == []
    )


def _copy_of_the_data(tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    for source in DATA.rglob("*"):
        if source.is_file():
            target = copy / source.relative_to(DATA)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    return copy


def test_a_broken_data_copy_is_refused_with_the_reason(tmp_path: Path) -> None:
    broken = _copy_of_the_data(tmp_path)
    readings = broken / "wismo" / "upstream.json"
    content = json.loads(readings.read_text(encoding="utf-8"))
    del content["formats"]["ups"]
    readings.write_text(json.dumps(content), encoding="utf-8")
    with pytest.raises(SpecInvalid, match="'ups' has no reading"):
        load_formats(broken)


def test_a_courier_file_of_another_shape_is_refused_naming_the_file(tmp_path: Path) -> None:
    broken = _copy_of_the_data(tmp_path)
    courier = broken / "wismo" / "couriers" / "yanwen.json"
    content = json.loads(courier.read_text(encoding="utf-8"))
    del content["tracking_numbers"][0]["regex"]
    courier.write_text(json.dumps(content), encoding="utf-8")
    with pytest.raises(SpecInvalid, match=r"yanwen\.json: not a courier file"):
        load_formats(broken)
