"""docs/transcripts.md is what wismo really says: regenerated here, it must match the file."""

from __future__ import annotations

from bot.devtools.transcripts import CASES, DEFAULT_OUTPUT, render


async def test_the_committed_transcripts_are_what_wismo_answers_today() -> None:
    generated = await render()
    assert generated.count("\n## ") == len(CASES)
    assert "**Buyer:**" in generated
    assert "> **wismo:**" in generated
    committed = DEFAULT_OUTPUT.read_text(encoding="utf-8")
    assert generated == committed, "docs/transcripts.md is out of date: run `wismo transcripts`"
