"""The Order model: frozen, and its personal fields never appear in repr or str."""

from __future__ import annotations

import pydantic
import pytest

from tests.stores.builders import order


def test_repr_and_str_hide_personal_fields() -> None:
    secret = order(
        "1042",
        "LX123456785CN",
        email="mei.chen@example.com",
        phone="+86 138 0013 8000",
        postal_code="200001",
        instagram_username="mei.chen",
    )

    for text in (repr(secret), str(secret), f"{secret!r}"):
        assert "1042" in text
        assert "LX123456785CN" in text
        for value in ("mei", "8000", "200001", "example.com"):
            assert value not in text


def test_orders_are_frozen_and_need_aware_times() -> None:
    with pytest.raises(pydantic.ValidationError):
        order("1042").__setattr__("order_number", "1043")
    with pytest.raises(pydantic.ValidationError):
        order("1042", updated_at="2026-11-28T12:00:00")


def test_an_order_lists_its_tracking_numbers_in_parcel_order() -> None:
    shipped, waiting = order("1042", "YT2430421272039912", "LX123456785CN"), order("1043")

    assert shipped.tracking_numbers == ("YT2430421272039912", "LX123456785CN")
    assert shipped.has_tracking
    assert not waiting.has_tracking
