"""The WISMO_ORDER_NUMBER_PATTERNS setting's type, apart from the other settings so that
`wismo parse` can read it without importing the service."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator


def _order_number_patterns(value: Any) -> Any:
    """A JSON array of regular expressions, or one expression (which may use "|")."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [text] if text else []
    return value


def _compiling(patterns: tuple[str, ...]) -> tuple[str, ...]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{pattern!r} is not a regular expression: {exc}") from exc
    return patterns


# How the store's order numbers look (replacing "#1042", "SH-1042" and Amazon's 3-7-7 ids); a
# group named "number" marks the part to keep. Keyword cues ("order 1042") always apply.
OrderNumberPatterns = Annotated[
    tuple[str, ...], BeforeValidator(_order_number_patterns), AfterValidator(_compiling)
]
