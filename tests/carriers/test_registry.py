"""The order in which sources are asked about a number."""

from __future__ import annotations

import pytest

from carriers.models import TrackingQuery
from carriers.registry import ProviderRegistry
from tests.carriers.tracking_fakes import FakeClock, FakeSource

CLOCK = FakeClock()


def registry(*slugs: str) -> ProviderRegistry:
    own = {"ups": {"ups"}, "dhl": {"dhl", "dhl-paket", "dhl-ecommerce"}, "fedex": {"fedex"}}
    return ProviderRegistry(
        FakeSource(slug, CLOCK, carriers=frozenset(own[slug]) if slug in own else None)
        for slug in slugs
    )


def plan(reg: ProviderRegistry, carrier: str | None = None, *candidates: str, only=None):
    query = TrackingQuery(number="1234567890", carrier=carrier)
    return [(call.source, call.query.carrier) for call in reg.plan(query, candidates, only=only)]


def test_aggregators_are_asked_in_the_configured_order() -> None:
    assert plan(registry("17track", "aftership")) == [("17track", None), ("aftership", None)]


def test_a_carriers_own_api_goes_first_even_when_listed_last() -> None:
    assert plan(registry("aftership", "17track", "ups"), "ups") == [
        ("ups", "ups"),
        ("aftership", "ups"),
        ("17track", "ups"),
    ]


def test_an_own_api_is_never_asked_about_another_carriers_number() -> None:
    assert plan(registry("aftership", "ups", "dhl"), "yunexpress") == [("aftership", "yunexpress")]
    assert plan(registry("ups", "dhl")) == []


def test_ranked_candidates_try_each_carriers_own_api_in_rank_order() -> None:
    reg = registry("aftership", "fedex", "dhl")
    assert plan(reg, None, "dhl-paket", "fedex") == [
        ("dhl", "dhl-paket"),
        ("fedex", "fedex"),
        # Two guesses: the aggregator detects the carrier itself rather than pay for a wrong one.
        ("aftership", None),
    ]
    assert plan(reg, None, "fedex") == [("fedex", "fedex"), ("aftership", "fedex")]


def test_one_source_can_be_asked_alone() -> None:
    reg = registry("aftership", "17track", "ups")
    assert plan(reg, "ups", only="17track") == [("17track", "ups")]
    assert plan(reg, "yunexpress", only="ups") == [("ups", "yunexpress")]
    assert plan(reg, None, only="usps") == []


def test_a_source_configured_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        registry("aftership", "aftership")
