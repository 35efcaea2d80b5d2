"""One voice: no reply about any sandbox parcel contradicts or repeats itself, in any language,
whether it is the whole answer or a follow-up's part of it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.replies import Catalogs, TrackingReplies, load_catalogs
from bot.replies.tracking import FOLLOW_UPS
from bot.replies.wording import STATUS_EXPLANATIONS, STATUS_HEADLINES
from bot.understanding.language import LANGUAGES
from carriers.errors import SourceError, TrackingNotFound
from carriers.models import Shipment, Status, TrackingQuery
from carriers.sandbox import Sandbox, scenarios
from tests.replies.voice import URGENT, contradictions

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return load_catalogs()


async def sandbox_shipments() -> list[Shipment]:
    sandbox = Sandbox(clock=lambda: NOW)
    found = []
    for summary in scenarios():
        try:
            found.append(await sandbox.track(TrackingQuery(number=summary.number)))
        except (TrackingNotFound, SourceError):
            continue
    return found


@pytest.mark.parametrize("language", LANGUAGES)
async def test_no_situation_is_answered_with_a_contradiction_or_a_repeat(
    catalogs: Catalogs, language: str
) -> None:
    replies = TrackingReplies(catalogs, lambda: NOW)
    t = catalogs.translation(language)
    checked = 0
    for shipment in await sandbox_shipments():
        answers = [replies.shipment(language, shipment)]
        answers += [replies.follow_up(language, [shipment], aspect) for aspect in FOLLOW_UPS]
        answers.append(replies.unchanged(language, [shipment]))
        for answer in answers:
            assert contradictions(t, answer.text) == [], (shipment.number, answer.kind)
            checked += 1
    assert checked >= 5 * 25


def test_the_check_catches_a_calm_explanation_beside_an_urgent_call(catalogs: Catalogs) -> None:
    t = catalogs.translation("zh-Hans")
    calm = t.gettext(STATUS_EXPLANATIONS[Status.IN_TRANSIT])
    urgent = t.gettext(URGENT[0])
    assert contradictions(t, calm) == []
    assert contradictions(t, f"{calm}\n\n{urgent}") != []


def test_the_check_catches_the_same_thing_said_twice(catalogs: Catalogs) -> None:
    t = catalogs.translation("es")
    headline = t.gettext(STATUS_HEADLINES[Status.RETURNING])
    assert contradictions(t, f"{headline} {headline}") != []
