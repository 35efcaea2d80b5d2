"""The packages import only in the allowed direction (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "carriers": {"bot", "conversations", "stores"},
    "conversations": {"bot", "carriers", "stores"},
    "stores": {"bot", "carriers", "conversations"},
    # The leaf: every package may import it, and it imports none of them.
    "foundation": {"bot", "carriers", "conversations", "stores"},
}
BOT_LAYERS = {
    # Meta's protocol, and nothing of what the bot does with it.
    "instagram": {"pipeline", "dialogue", "replies", "updates", "app", "routes"},
    # Durable and Meta-agnostic: what it needs from above is a small protocol of its own,
    # implemented above and passed in by bot/app.
    "pipeline": {"dialogue", "replies", "updates", "app", "routes"},
    # Accounts as data: Meta's Send API client, and of the pipeline only the bot's table base
    # (test_accounts_take_only_the_table_base_from_the_pipeline); it implements the pipeline's
    # SendApis without importing it, and knows nothing of what is answered.
    "accounts": {"dialogue", "replies", "updates", "app", "routes"},
}


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def imported_bot_packages(path: Path) -> set[str]:
    """The sub-packages of bot/ a module imports (`bot.pipeline.outbox` → `pipeline`)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "bot":  # from bot import pipeline
                names.update(f"bot.{alias.name}" for alias in node.names)
    return {name.split(".")[1] for name in names if name.startswith("bot.")}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_nothing_above_it(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {name: bad for name, bad in offenders.items() if bad} == {}


@pytest.mark.parametrize("layer", sorted(BOT_LAYERS))
def test_bot_layer_imports_nothing_above_it(layer: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_bot_packages(path) & BOT_LAYERS[layer])
        for path in (ROOT / "bot" / layer).rglob("*.py")
    }
    assert {name: bad for name, bad in offenders.items() if bad} == {}


def test_accounts_take_only_the_table_base_from_the_pipeline() -> None:
    taken = {
        str(path.relative_to(ROOT)): sorted(
            module
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.ImportFrom) and node.module
            for module in [node.module]
            if module.startswith("bot.pipeline") and module != "bot.pipeline.base"
        )
        for path in (ROOT / "bot" / "accounts").rglob("*.py")
    }
    assert {name: modules for name, modules in taken.items() if modules} == {}


def test_no_module_outside_the_cli_reads_the_environment() -> None:
    readers = [
        str(path.relative_to(ROOT))
        for package in ("bot", "carriers", "conversations", "foundation", "stores")
        for path in (ROOT / package).rglob("*.py")
        if "os.environ" in path.read_text(encoding="utf-8")
        or "getenv" in path.read_text(encoding="utf-8")
    ]
    assert readers == ["bot/__main__.py"]
