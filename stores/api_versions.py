"""The store API versions wismo speaks by default, apart from the clients that speak them, so
that the settings can name a default without importing a store client (and its wire models)
that a shop which does not use that store never needs."""

from __future__ import annotations

SHOPIFY = "2026-10"

__all__ = ["SHOPIFY"]
