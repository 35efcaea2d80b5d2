"""The configured providers and the order in which they are asked about a number.

Order for one lookup:
1. for each carrier we believe the number belongs to (the caller's carrier, else detection's
   ranked candidates), that carrier's own API when one is configured: it answers first-hand;
2. then every aggregator (a provider serving any carrier) in the configured order;
3. a carrier's own API is never asked about a number of another carrier, and the sandbox is
   present only when it was configured.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from carriers.base import Provider
from carriers.models import TrackingQuery


@dataclass(frozen=True, slots=True)
class PlannedCall:
    """One source to ask, with the query as that source should receive it."""

    provider: Provider
    query: TrackingQuery

    @property
    def source(self) -> str:
        return self.provider.slug


class ProviderRegistry:
    """Providers in their configured order (WISMO_PROVIDERS first, other configured ones after)."""

    def __init__(self, providers: Iterable[Provider]) -> None:
        self._providers: tuple[Provider, ...] = ()
        seen: set[str] = set()
        for provider in providers:
            if provider.slug in seen:
                raise ValueError(f"provider {provider.slug!r} is configured twice")
            seen.add(provider.slug)
            self._providers += (provider,)

    @property
    def providers(self) -> tuple[Provider, ...]:
        return self._providers

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(provider.slug for provider in self._providers)

    def get(self, slug: str) -> Provider | None:
        return next((p for p in self._providers if p.slug == slug), None)

    def plan(
        self,
        query: TrackingQuery,
        candidates: Sequence[str] = (),
        *,
        only: str | None = None,
    ) -> tuple[PlannedCall, ...]:
        """The sources to ask about `query`, best first.

        `candidates` are detection's ranked carrier guesses, used when `query.carrier` is not
        set. An aggregator receives the carrier only when it is certain (given, or the single
        candidate), since a wrong carrier can cost a paid registration; a carrier's own API
        receives the carrier it is asked as. `only` restricts the plan to one source.
        """
        carriers = [query.carrier] if query.carrier else list(dict.fromkeys(candidates))
        calls: list[PlannedCall] = []
        for carrier in carriers:
            for provider in self._providers:
                own = provider.carriers is not None and carrier in provider.carriers
                if own and all(call.provider is not provider for call in calls):
                    calls.append(
                        PlannedCall(provider, query.model_copy(update={"carrier": carrier}))
                    )
        certain = carriers[0] if len(carriers) == 1 else None
        for provider in self._providers:
            if provider.carriers is None:
                calls.append(PlannedCall(provider, query.model_copy(update={"carrier": certain})))
        if only is not None:
            calls = [call for call in calls if call.source == only]
            chosen = self.get(only)
            if not calls and chosen is not None:
                # Asked for explicitly (`wismo track --provider`): the caller knows best.
                calls = [PlannedCall(chosen, query)]
        return tuple(calls)
