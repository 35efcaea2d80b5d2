"""OrderRepository: orders and their parcels in the database, written in batches, read as Orders."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import (
    Select,
    Table,
    bindparam,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from stores.fields import instagram_username, order_number_key, tracking_number_key
from stores.models import FulfillmentStatus, Order, OrderParcel, StoreKind
from stores.tables import OrderRow, ParcelRow

# What an upsert may overwrite on an existing order; `parcels` replaces the whole list.
# `updated_at` is not chosen: it is written whenever anything else about the order changed.
ORDER_FIELDS = frozenset(
    {
        "source",
        "email",
        "phone",
        "sms_consent_at",
        "postal_code",
        "instagram_username",
        "ordered_at",
        "fulfillment_status",
        "parcels",
    }
)
_COLUMNS = ORDER_FIELDS - {"parcels"}
# Orders per unit of the upsert (and per IN (…) list, well under the databases' limits).
_ORDERS_PER_STATEMENT = 1000
# Table names from our own models, never from input: safe in the ANALYZE statement's text.
_ANALYZED = (OrderRow.__tablename__, ParcelRow.__tablename__)

T = TypeVar("T")
_Parcels = tuple[tuple[str, str | None], ...]


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    created: int
    updated: int
    unchanged: int = 0


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _parcel_key(order: Order) -> _Parcels:
    return tuple((parcel.tracking_number, parcel.carrier) for parcel in order.parcels)


class OrderRepository:
    """Stores orders keyed by their normalised order number; one session per call."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def refresh_statistics(self) -> None:
        """Have the database re-read how many orders and parcels there are and how their
        values spread (ANALYZE), after a bulk load changed them. Without it, the planner of a
        database loaded by one import keeps the figures of the empty tables until its own
        upkeep comes round (PostgreSQL's autovacuum; never, on SQLite) and may scan where an
        index would answer a buyer's order number at once."""
        async with self._sessions() as session, session.begin():
            for table in _ANALYZED:
                await session.execute(text(f"ANALYZE {table}"))

    async def upsert(
        self,
        orders: Sequence[Order],
        *,
        fields: Collection[str] | None = None,
        fill: Collection[str] = (),
    ) -> UpsertCounts:
        """Insert new orders and update existing ones, in one transaction.

        `fields` names what is authoritative for orders that already exist (default: all of
        ORDER_FIELDS); other columns keep their stored values, and parcels are replaced only
        when "parcels" is named. Of those, the columns named in `fill` are written only where
        the stored value is NULL: a value already recorded is kept (when consent was first
        given, say). New orders are always written whole. An existing order whose chosen
        fields are all unchanged is not written at all (its `updated_at` stays), so
        re-importing the same file is cheap. When one number appears twice, the last one wins.
        """
        chosen = ORDER_FIELDS if fields is None else frozenset(fields) - {"updated_at"}
        filled = frozenset(fill)
        unknown = (chosen | filled) - ORDER_FIELDS
        if unknown:
            raise ValueError(f"unknown order fields: {sorted(unknown)}")
        if not filled <= _COLUMNS & chosen:
            raise ValueError(f"only chosen order columns can be filled: {sorted(filled)}")
        unique = list({order.order_number: order for order in orders}.values())
        totals = [0, 0, 0]
        async with self._sessions() as session, session.begin():
            for batch in _chunks(unique, _ORDERS_PER_STATEMENT):
                counts = await self._upsert_batch(session, batch, chosen, filled)
                totals = [total + count for total, count in zip(totals, counts, strict=True)]
        return UpsertCounts(created=totals[0], updated=totals[1], unchanged=totals[2])

    async def _upsert_batch(
        self,
        session: AsyncSession,
        batch: Sequence[Order],
        fields: frozenset[str],
        filled: frozenset[str],
    ) -> tuple[int, int, int]:
        orders, parcels = cast(Table, OrderRow.__table__), cast(Table, ParcelRow.__table__)
        numbers = [order.order_number for order in batch]
        existing: dict[str, int] = {
            number: row_id
            for number, row_id in (
                await session.execute(
                    select(orders.c.order_number, orders.c.id).where(
                        orders.c.order_number.in_(numbers)
                    )
                )
            ).all()
        }

        columns = sorted(_COLUMNS & fields)
        upsert = _dialect_insert(session)(orders)
        proposed: dict[str, Any] = {
            column: (
                func.coalesce(orders.c[column], upsert.excluded[column])
                if column in filled
                else upsert.excluded[column]
            )
            for column in columns
        }
        changed_row = or_(*(orders.c[c].is_distinct_from(proposed[c]) for c in columns))
        upsert = upsert.on_conflict_do_update(
            index_elements=[orders.c.order_number],
            set_={**proposed, "updated_at": upsert.excluded.updated_at},
            where=changed_row if columns else false(),
        ).returning(orders.c.id, orders.c.order_number)
        # A parameter list (not one VALUES clause per batch) lets SQLAlchemy cache the compiled
        # statement and send it in pages ("insertmanyvalues").
        written = {
            number: row_id
            for row_id, number in (
                await session.execute(upsert, [_order_values(order) for order in batch])
            ).all()
        }
        ids = existing | written
        row_changed = written.keys() & existing.keys()

        parcel_changed: set[str] = set()
        if "parcels" in fields and existing:
            stored: dict[int, list[tuple[str, str | None]]] = {}
            for order_id, number, carrier in await session.execute(
                select(parcels.c.order_id, parcels.c.tracking_number, parcels.c.carrier)
                .where(parcels.c.order_id.in_(existing.values()))
                .order_by(parcels.c.order_id, parcels.c.position)
            ):
                stored.setdefault(order_id, []).append((number, carrier))
            parcel_changed = {
                order.order_number
                for order in batch
                if order.order_number in existing
                and tuple(stored.get(existing[order.order_number], ())) != _parcel_key(order)
            }
        if parcel_changed:
            stale = [existing[number] for number in parcel_changed]
            await session.execute(delete(parcels).where(parcels.c.order_id.in_(stale)))
        stamps = [
            {"row_id": existing[order.order_number], "stamp": order.updated_at}
            for order in batch
            if order.order_number in parcel_changed - row_changed
        ]
        if stamps:
            # The row's own fields were unchanged, but a changed parcel list is an update too.
            await session.execute(
                update(orders)
                .where(orders.c.id == bindparam("row_id"))
                .values(updated_at=bindparam("stamp")),
                stamps,
            )
        rewrite = [
            order
            for order in batch
            if order.order_number not in existing or order.order_number in parcel_changed
        ]
        parcel_rows = [
            {
                "order_id": ids[order.order_number],
                "position": position,
                "tracking_number": parcel.tracking_number,
                "carrier": parcel.carrier,
            }
            for order in rewrite
            for position, parcel in enumerate(order.parcels)
        ]
        if parcel_rows:
            await session.execute(insert(parcels), parcel_rows)
        updated = len(row_changed | parcel_changed)
        return len(batch) - len(existing), updated, len(existing) - updated

    async def get(self, order_number: str) -> Order | None:
        """The order with this number ('#1042' and '1042' are the same), or None."""
        key = order_number_key(order_number)
        if key is None:
            return None
        found = await self._orders(select(OrderRow).where(OrderRow.order_number == key))
        return found[0] if found else None

    async def by_instagram_username(self, username: str, *, limit: int = 20) -> list[Order]:
        """Orders linked to this Instagram username ('@Jane' = 'jane'), newest first."""
        key = instagram_username(username)
        if key is None:
            return []
        return await self._orders(
            select(OrderRow).where(OrderRow.instagram_username == key).limit(limit)
        )

    async def by_tracking_number(self, number: str) -> list[Order]:
        """Orders that include a parcel with this tracking number, newest first (usually one)."""
        async with self._sessions() as session:
            return await orders_with_parcel(session, number)

    async def _orders(self, query: Select[tuple[OrderRow]]) -> list[Order]:
        async with self._sessions() as session:
            return await _newest_first(session, query)


async def orders_with_parcel(session: AsyncSession, number: str) -> list[Order]:
    """`by_tracking_number` within the caller's session (and its transaction)."""
    key = tracking_number_key(number)
    if key is None:
        return []
    parcel_of = select(ParcelRow.order_id).where(ParcelRow.tracking_number == key)
    return await _newest_first(session, select(OrderRow).where(OrderRow.id.in_(parcel_of)))


async def _newest_first(session: AsyncSession, query: Select[tuple[OrderRow]]) -> list[Order]:
    ordered = query.options(selectinload(OrderRow.parcels)).order_by(
        OrderRow.ordered_at.desc().nulls_last(), OrderRow.updated_at.desc(), OrderRow.id.desc()
    )
    rows = (await session.scalars(ordered)).all()
    return [_order(row) for row in rows]


def _dialect_insert(session: AsyncSession) -> Any:
    """The dialect's INSERT, which offers ON CONFLICT … DO UPDATE."""
    # Imported for the dialect in use: the PostgreSQL one is 2 MB a SQLite service never needs.
    name = session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    if name == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert
    raise NotImplementedError(f"upserts are not written for the {name} dialect")


def _order_values(order: Order) -> dict[str, Any]:
    return {
        "order_number": order.order_number,
        "source": order.source.value,
        "email": order.email,
        "phone": order.phone,
        "sms_consent_at": order.sms_consent_at,
        "postal_code": order.postal_code,
        "instagram_username": order.instagram_username,
        "ordered_at": order.ordered_at,
        "fulfillment_status": order.fulfillment_status.value,
        "updated_at": order.updated_at,
    }


def _order(row: OrderRow) -> Order:
    try:
        status = FulfillmentStatus(row.fulfillment_status)
    except ValueError:
        status = FulfillmentStatus.UNKNOWN
    return Order(
        order_number=row.order_number,
        source=StoreKind(row.source),
        parcels=tuple(
            OrderParcel(tracking_number=parcel.tracking_number, carrier=parcel.carrier)
            for parcel in row.parcels
        ),
        email=row.email,
        phone=row.phone,
        sms_consent_at=row.sms_consent_at,
        postal_code=row.postal_code,
        instagram_username=row.instagram_username,
        ordered_at=row.ordered_at,
        fulfillment_status=status,
        updated_at=row.updated_at,
    )
