"""OrderRepository on SQLite and PostgreSQL: upserts, partial updates and the three lookups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from stores.db import Base
from stores.models import FulfillmentStatus, OrderParcel, StoreKind
from stores.repository import OrderRepository
from stores.tables import OrderRow, ParcelRow
from tests.stores.builders import order

BEIJING = timezone(timedelta(hours=8))


async def count(sessions: async_sessionmaker[AsyncSession], table: type[Base]) -> int:
    async with sessions() as session:
        return (await session.scalar(select(func.count()).select_from(table))) or 0


async def test_an_upserted_order_reads_back_equal(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    repository = OrderRepository(sessions)
    original = order(
        "1042",
        "YT2430421272039912",
        "LX123456785CN",
        email="mei@example.com",
        phone="+86 138 0013 8000",
        postal_code="200001",
        instagram_username="mei.chen",
        ordered_at=datetime(2026, 11, 2, 11, 15, tzinfo=BEIJING),
        source=StoreKind.SHOPIFY,
    )

    counts = await repository.upsert([original])
    found = await repository.get("#1042")

    assert (counts.created, counts.updated) == (1, 0)
    assert found == original.model_copy(
        update={"ordered_at": datetime(2026, 11, 2, 3, 15, tzinfo=UTC)}
    )
    assert found is not None
    assert found.ordered_at == original.ordered_at


async def test_upserting_again_updates_rather_than_duplicates(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    repository = OrderRepository(sessions)
    await repository.upsert([order("1042", "YT2430421272039912", "LX123456785CN")])

    counts = await repository.upsert(
        [order("1042", "LX123456785CN", fulfillment_status=FulfillmentStatus.FULFILLED)]
    )

    assert (counts.created, counts.updated) == (0, 1)
    assert await count(sessions, OrderRow) == 1
    found = await repository.get("1042")
    assert found is not None
    assert found.parcels == (OrderParcel(tracking_number="LX123456785CN"),)
    assert await count(sessions, ParcelRow) == 1


async def test_an_unchanged_order_is_not_rewritten_and_keeps_its_updated_at(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    repository = OrderRepository(sessions)
    first = order("1042", "LX123456785CN", email="mei@example.com")
    await repository.upsert([first])

    later = first.updated_at + timedelta(days=1)
    same = await repository.upsert([first.model_copy(update={"updated_at": later})])
    found = await repository.get("1042")

    assert (same.created, same.updated, same.unchanged) == (0, 0, 1)
    assert found is not None
    assert found.updated_at == first.updated_at


async def test_a_changed_parcel_list_alone_is_an_update(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    repository = OrderRepository(sessions)
    first = order("1042", "LX123456785CN", fulfillment_status=FulfillmentStatus.FULFILLED)
    await repository.upsert([first])
    later = first.updated_at + timedelta(hours=3)

    counts = await repository.upsert(
        [
            order(
                "1042",
                "LX123456785CN",
                "YT2430421272039912",
                fulfillment_status=FulfillmentStatus.FULFILLED,
                updated_at=later,
            )
        ]
    )
    found = await repository.get("1042")

    assert (counts.created, counts.updated, counts.unchanged) == (0, 1, 0)
    assert found is not None
    assert found.tracking_numbers == ("LX123456785CN", "YT2430421272039912")
    assert found.updated_at == later


async def test_fields_not_named_keep_their_stored_values(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    repository = OrderRepository(sessions)
    await repository.upsert(
        [order("1042", "LX123456785CN", email="mei@example.com", instagram_username="mei")]
    )

    await repository.upsert(
        [order("1042", "YT2430421272039912", email=None, instagram_username=None)],
        fields={"source", "updated_at", "email"},
    )

    found = await repository.get("1042")
    assert found is not None
    assert found.email is None
    assert found.instagram_username == "mei"
    assert found.tracking_numbers == ("LX123456785CN",)


async def test_a_field_named_to_fill_is_written_only_where_nothing_is_stored(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    repository = OrderRepository(sessions)
    agreed = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    await repository.upsert([order("1042", sms_consent_at=agreed), order("1043")])
    later = agreed + timedelta(days=9)

    counts = await repository.upsert(
        [
            order(number, sms_consent_at=later, updated_at=later)
            for number in ("1042", "1043", "1044")
        ],
        fields={"source", "sms_consent_at"},
        fill={"sms_consent_at"},
    )

    assert (counts.created, counts.updated, counts.unchanged) == (1, 1, 1)
    kept, filled, new = [await repository.get(n) for n in ("1042", "1043", "1044")]
    assert kept is not None
    assert filled is not None
    assert new is not None
    assert (kept.sms_consent_at, kept.updated_at) == (agreed, order().updated_at)
    assert (filled.sms_consent_at, filled.updated_at) == (later, later)
    assert new.sms_consent_at == later


async def test_orders_of_an_instagram_username_come_newest_first(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    repository = OrderRepository(sessions)
    day = datetime(2026, 11, 1, tzinfo=UTC)
    await repository.upsert(
        [
            order("1001", instagram_username="jane", ordered_at=day),
            order("1003", instagram_username="jane", ordered_at=day + timedelta(days=9)),
            order("1002", instagram_username="jane", ordered_at=None),
            order("1004", instagram_username="someone.else", ordered_at=day + timedelta(days=20)),
            order("1005", instagram_username="jane", ordered_at=day + timedelta(days=3)),
        ]
    )

    found = await repository.by_instagram_username("@Jane")

    assert [o.order_number for o in found] == ["1003", "1005", "1001", "1002"]


async def test_an_order_is_found_by_any_of_its_tracking_numbers(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    repository = OrderRepository(sessions)
    await repository.upsert(
        [order("1042", "YT2430421272039912", "LX123456785CN"), order("1043", "UA000000001CN")]
    )

    found = await repository.by_tracking_number("lx 123 456 785 cn")

    assert [o.order_number for o in found] == ["1042"]
    assert await repository.by_tracking_number("ZZ999999999CN") == []


async def test_unknown_and_unusable_keys_find_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    repository = OrderRepository(sessions)

    assert await repository.get("1042") is None
    assert await repository.get("   ") is None
    assert await repository.by_instagram_username("not a username!") == []
    assert await repository.by_tracking_number("x") == []


async def test_a_large_upsert_is_written_in_statement_sized_batches(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    repository = OrderRepository(sessions)
    orders = [order(str(10_000 + i), f"YT{i:016d}", f"LP{i:014d}") for i in range(2_500)]

    counts = await repository.upsert(orders)

    changed = [o.model_copy(update={"email": "new@example.com"}) for o in orders[:1_200]]
    again = await repository.upsert(changed)
    assert (counts.created, counts.updated) == (2_500, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 1_200, 0)
    assert await count(sessions, OrderRow) == 2_500
    assert await count(sessions, ParcelRow) == 5_000


def _ours(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return str(getattr(table, "name", "")).startswith("store_")


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"include_object": _ours, "compare_type": True}
    )
    return list(compare_metadata(context, Base.metadata))


async def test_the_migrations_create_exactly_the_tables_the_models_describe(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences)

    assert differences == []
