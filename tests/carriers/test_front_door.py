"""The `carriers` front door: every name it lists resolves, and reading numbers alone does not
bring in the tracking service (what keeps `wismo parse` quick to start)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import carriers


@pytest.mark.parametrize("name", carriers.__all__)
def test_every_name_the_front_door_lists_resolves(name: str) -> None:
    assert getattr(carriers, name) is not None


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = carriers.Nope  # type: ignore[attr-defined]


def test_the_number_detector_alone_imports_no_tracking_service() -> None:
    probe = (
        "import sys; from carriers.numbers.detector import load_detector; load_detector(); "
        "print(sorted(m for m in ('carriers.service', 'sqlalchemy') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
