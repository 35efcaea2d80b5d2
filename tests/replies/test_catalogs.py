"""The translation catalogs: complete, consistent with the code and each other, loaded safely."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import hanzidentifier
import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from bot.errors import ConfigurationInvalid
from bot.replies.catalogs import LOCALES_DIRECTORY, Catalogs, catalog_path, load_catalogs
from bot.understanding.language import LANGUAGES
from tests.replies.catalog_checks import (
    BUTTON_CONTEXT,
    code_messages,
    entries,
    forms,
    problems,
    read_catalog,
)

TEMPLATE = LOCALES_DIRECTORY / "wismo.pot"
SOURCE = Path(__file__).resolve().parents[2] / "bot" / "replies"


@pytest.fixture(scope="module")
def loaded() -> Catalogs:
    return load_catalogs()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalog_has_every_message_translated_with_the_same_fields(language: str) -> None:
    assert problems(TEMPLATE, language, LOCALES_DIRECTORY) == []


def test_the_template_holds_exactly_the_messages_the_code_uses() -> None:
    in_code = code_messages(SOURCE)
    in_template = set(entries(read_catalog(TEMPLATE)))
    assert in_code - in_template == set(), "run pybabel extract (see bot/replies/catalogs.py)"
    assert in_template - in_code == set(), "run pybabel extract (see bot/replies/catalogs.py)"


def test_catalogs_agree_with_each_other_message_for_message() -> None:
    keys = {language: set(entries(read_catalog(catalog_path(language)))) for language in LANGUAGES}
    english = keys["en"]
    assert {language: held ^ english for language, held in keys.items()} == {
        language: set() for language in LANGUAGES
    }


@pytest.mark.parametrize(
    ("language", "script"),
    [("zh-Hans", hanzidentifier.SIMPLIFIED), ("zh-Hant", hanzidentifier.TRADITIONAL)],
)
def test_chinese_catalogs_are_written_in_their_own_script(language: str, script: int) -> None:
    other = (
        hanzidentifier.TRADITIONAL
        if script == hanzidentifier.SIMPLIFIED
        else hanzidentifier.SIMPLIFIED
    )
    wrong = []
    for message in entries(read_catalog(catalog_path(language), language)).values():
        for text in forms(message):
            wrong += [char for char in text if hanzidentifier.identify(char) == other]
    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_button_titles_fit_instagrams_twenty_characters(language: str) -> None:
    catalog = entries(read_catalog(catalog_path(language), language))
    titles = [forms(m)[0] for (context, _), m in catalog.items() if context == BUTTON_CONTEXT]
    assert len(titles) == 3
    assert all(0 < len(title) <= 20 for title in titles)


# The checks themselves catch each kind of defect --------------------------------------------


def _copy_locales(tmp_path: Path) -> Path:
    target = tmp_path / "locales"
    shutil.copytree(LOCALES_DIRECTORY, target)
    return target


def _edit(locales: Path, language: str, change: Callable[[Catalog], object]) -> None:
    path = catalog_path(language, locales)
    catalog = read_catalog(path, language)
    change(catalog)
    with path.open("wb") as file:
        write_po(file, catalog)


def test_the_check_catches_a_message_missing_from_one_catalog(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)
    _edit(locales, "fr", lambda catalog: catalog.delete("Your parcel is on its way."))
    assert problems(TEMPLATE, "fr", locales) == ["fr: missing (None, 'Your parcel is on its way.')"]


def test_the_check_catches_an_empty_translation(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)

    def empty(catalog: Catalog) -> None:
        catalog["Delivered"].string = ""

    _edit(locales, "de", empty)
    assert problems(TEMPLATE, "de", locales) == ["de: 'Delivered': empty"]


def test_the_check_catches_a_fuzzy_translation(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)

    def fuzzy(catalog: Catalog) -> None:
        catalog["Delivered"].flags.add("fuzzy")

    _edit(locales, "es", fuzzy)
    assert problems(TEMPLATE, "es", locales) == ["es: 'Delivered': fuzzy"]


def test_the_check_catches_a_placeholder_lost_or_renamed(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)

    def rename(catalog: Catalog) -> None:
        catalog["Parcel {number}"].string = "Paquete {numero}"

    _edit(locales, "es", rename)
    assert problems(TEMPLATE, "es", locales) == [
        "es: 'Parcel {number}': unknown fields ['numero']",
        "es: 'Parcel {number}': missing fields ['number']",
    ]


def test_the_check_catches_a_count_missing_from_a_plural_form_used_for_many_counts(
    tmp_path: Path,
) -> None:
    locales = _copy_locales(tmp_path)
    singular = "You can try again in {days} day."

    def drop_count(catalog: Catalog) -> None:
        plural = list(forms(catalog[singular]))
        plural[3] = "يمكنك المحاولة مرة أخرى بعد أيام."  # Arabic "few": 3–10 days
        catalog[singular].string = tuple(plural)

    _edit(locales, "ar", drop_count)
    assert problems(TEMPLATE, "ar", locales) == [f"ar: {singular!r}[3]: missing fields ['days']"]


def test_the_check_catches_an_over_long_button_title(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)

    def lengthen(catalog: Catalog) -> None:
        button = catalog.get("Refresh", context="button")
        assert button is not None
        button.string = "Aktualisieren Sie jetzt"

    _edit(locales, "de", lengthen)
    assert problems(TEMPLATE, "de", locales) == [
        "de: 'Refresh': button title 'Aktualisieren Sie jetzt' is over 20 characters"
    ]


def test_the_check_catches_a_catalog_that_does_not_exist(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)
    catalog_path("pt", locales).unlink()
    assert problems(TEMPLATE, "pt", locales)[0].startswith("pt: no catalog at")


# Loading ------------------------------------------------------------------------------------


def test_every_language_loads_and_translates(loaded: Catalogs) -> None:
    assert set(loaded.languages) == set(LANGUAGES)
    assert loaded.translation("de").gettext("Delivered") == "Zugestellt"
    assert loaded.translation("zh-Hant").gettext("Delivered") == "已送達"


@pytest.mark.parametrize(
    ("asked", "default", "answered"),
    [
        ("zh-TW", "en", "zh-Hant"),
        ("zh-CN", "en", "zh-Hans"),
        ("pt-BR", "en", "pt"),
        ("ar-EG", "en", "ar"),
        ("ja", "de", "de"),
        (None, "es", "es"),
        ("", "fr", "fr"),
        ("ja", "en", "en"),
    ],
)
def test_an_unknown_language_falls_back_to_the_store_default_then_english(
    loaded: Catalogs, asked: str | None, default: str, answered: str
) -> None:
    assert replace(loaded, default_language=default).resolve(asked) == answered


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("en", 1, "You have 1 more try."),
        ("en", 2, "You have 2 more tries."),
        ("fr", 0, "Il vous reste 0 essai."),
        ("fr", 2, "Il vous reste 2 essais."),
        ("ar", 1, "تبقّت لديك محاولة واحدة."),
        ("ar", 2, "تبقّت لديك محاولتان."),
        ("ar", 3, "تبقّت لديك 3 محاولات."),
        ("ar", 11, "تبقّت لديك 11 محاولة."),
        ("zh-Hans", 2, "您还可以再试 2 次。"),
    ],
)
def test_plural_forms_follow_each_languages_rules(
    loaded: Catalogs, language: str, count: int, expected: str
) -> None:
    translation = loaded.translation(language)
    text = translation.ngettext(
        "You have {count} more try.", "You have {count} more tries.", count, count=count
    )
    assert text == expected


def test_a_missing_catalog_stops_start_up_with_its_path(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)
    catalog_path("fr", locales).unlink()
    with pytest.raises(ConfigurationInvalid, match=re.escape("fr/LC_MESSAGES/wismo.po")):
        load_catalogs(locales)


def test_a_malformed_catalog_stops_start_up(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)
    catalog_path("de", locales).write_text("this is not a PO file\n", encoding="utf-8")
    with pytest.raises(ConfigurationInvalid, match="malformed"):
        load_catalogs(locales)


def test_a_default_language_without_a_catalog_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationInvalid, match="WISMO_DEFAULT_LANGUAGE"):
        load_catalogs(default_language="ja")


def test_a_fuzzy_translation_is_not_used(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)

    def fuzzy(catalog: Catalog) -> None:
        catalog["Delivered"].flags.add("fuzzy")

    _edit(locales, "de", fuzzy)
    assert load_catalogs(locales).translation("de").gettext("Delivered") == "Delivered"
