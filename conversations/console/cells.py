"""CSV cells a spreadsheet will not run as formulas, whatever separator it splits them on.

Buyers write the text, so a cell may hold `=HYPERLINK(…)` or `thanks;=cmd|' /C calc'!A0`. Excel
starts a formula at a cell beginning with `=`, `+`, `-` or `@` (full-width forms too), and in
locales whose list separator is `;` (DE, FR, NL, ES, IT) it splits an unquoted `,`-file on `;`,
so a trigger after any separator starts a cell of its own. Every place a cell could begin (the
start, and after `,`, `;`, tab, `|` or a line break, spaces skipped) gets a `'` before a trigger,
which spreadsheets show as text and do not evaluate.
"""

from __future__ import annotations

import re
from typing import Any

_TRIGGERS = "=+\\-@＝＋－＠"
# A cell may begin at the start or after a separator or line break; spaces and tabs before a
# trigger do not stop a spreadsheet from reading it as a formula.
_FORMULA_START = re.compile(rf"(^|[,;|\t\r\n])([ \t]*)(?=[{_TRIGGERS}])")
_CELL_START = re.compile(r"(^|[,;|\r\n])(?=[\t\r])")


def safe_cell(value: Any) -> str:
    """`value` as text, with `'` before every formula trigger a spreadsheet could see as the
    start of a cell."""
    if value is None:
        return ""
    cell = value if isinstance(value, str) else str(value)
    cell = _FORMULA_START.sub(r"\1\2'", cell)
    return _CELL_START.sub(r"\1'", cell)


def formula_cells(text: str, separators: str = ",;|\t\r\n") -> list[str]:
    """The pieces of `text`, split on any of `separators`, that a spreadsheet would evaluate
    (for tests: after `safe_cell` there are none)."""
    pieces = re.split("[" + re.escape(separators) + "]", text)
    triggers = _TRIGGERS.replace("\\", "")
    return [piece for piece in pieces if (first := piece.lstrip(" \t")[:1]) and first in triggers]


__all__ = ["formula_cells", "safe_cell"]
