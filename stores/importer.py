"""Importing orders from a CSV file: check every row, merge repeats, upsert in batches.

The columns are a public contract (README "Importing orders"): `order_number` (required),
`tracking_numbers` (several separated by `;`, each optionally `carrier:number`), `email`,
`phone`, `postal_code`, `instagram_username`, `ordered_at` (ISO 8601) and `fulfillment_status`,
and `sms_consent` (the buyer agreed to update texts at `phone`: yes/true/1, or when, ISO 8601;
no/false/0: did not). Other columns are ignored. A column left out of the header leaves that
field of already-imported orders untouched; a blank cell clears it, except `sms_consent`'s: a
consent record keeps what is known, so a blank says nothing and a "yes" keeps the time consent
was first recorded (a date-time or a "no" in the file is written as it is).
"""

from __future__ import annotations

import asyncio
import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from pathlib import Path

from stores.errors import OrderFileUnreadable
from stores.fields import (
    carrier_hint,
    email_address,
    fulfillment_status,
    instagram_username,
    is_blank,
    looks_like_spreadsheet_number,
    order_number_key,
    parse_time,
    phone_number,
    postal_code,
    tracking_number_key,
)
from stores.models import FulfillmentStatus, Order, OrderParcel, StoreKind
from stores.repository import OrderRepository, UpsertCounts

COLUMNS = (
    "order_number",
    "tracking_numbers",
    "email",
    "phone",
    "postal_code",
    "instagram_username",
    "ordered_at",
    "fulfillment_status",
    "sms_consent",
)
# Which Order fields each column is the authority for.
_FIELDS_OF_COLUMN = {
    "tracking_numbers": ("parcels",),
    "email": ("email",),
    "phone": ("phone",),
    "postal_code": ("postal_code",),
    "instagram_username": ("instagram_username",),
    "ordered_at": ("ordered_at",),
    "fulfillment_status": ("fulfillment_status",),
    "sms_consent": ("sms_consent_at",),
}
_CONSENT = frozenset({"sms_consent_at"})
_DELIMITERS = (",", ";", "\t", "|")
_YES = frozenset({"yes", "y", "true", "1", "x"})
_NO = frozenset({"no", "n", "false", "0"})
_TRACKING_SEPARATORS = re.compile(r"[;,\n|]")
_HEADER_SPACES = re.compile(r"[\s\-]+")
_UTF8 = ("utf-8", "utf8")
BATCH_SIZE = 1000
ANALYZE_AFTER = 1000
"""Orders created or updated by one import from which the database's statistics are
refreshed (`OrderRepository.refresh_statistics`): a bulk load, not a day's few new orders."""

_YIELD_EVERY = 2000


class Stage(StrEnum):
    """What an import is doing when it reports progress."""

    READING = "reading"  # counted in characters of the file
    SAVING = "saving"  # counted in orders


Progress = Callable[[Stage, int, int], None]


@dataclass(frozen=True, slots=True)
class RowNote:
    """Something about one row of the file; `line` is the row's first line in the file."""

    line: int
    message: str


@dataclass(frozen=True, slots=True)
class CheckedParcel:
    """What the tracking-number check made of one `carrier:number` of the file."""

    number: str
    carrier: str | None  # a carrier slug the check accepted, or None
    warning: str | None = None  # what is wrong with it, said on the row's line
    imported: bool = True  # False: the parcel is left out of the order


ParcelCheck = Callable[[str, str | None], CheckedParcel]
"""Checks a number (and the carrier text written before it, if any) as the bot would read it;
passed in by the caller, since the tracking-number formats live outside this package."""


@dataclass(frozen=True, slots=True)
class ParcelWarning:
    """A tracking number of the file that is suspect: imported anyway, or left out."""

    line: int
    message: str
    imported: bool


@dataclass(frozen=True, slots=True)
class ImportReport:
    rows: int
    orders: int
    created: int
    updated: int
    unchanged: int
    merged_rows: int
    problems: tuple[RowNote, ...]
    notices: tuple[RowNote, ...]
    ignored_columns: tuple[str, ...]
    parcel_warnings: tuple[ParcelWarning, ...] = ()

    @property
    def complete(self) -> bool:
        """Every row and every tracking number was imported (notices do not count)."""
        return not self.problems and all(w.imported for w in self.parcel_warnings)


@dataclass(slots=True)
class _Draft:
    order_number: str
    parcels: dict[str, str | None] = field(default_factory=dict)
    email: str | None = None
    phone: str | None = None
    postal_code: str | None = None
    instagram_username: str | None = None
    ordered_at: datetime | None = None
    status: FulfillmentStatus | None = None
    # True: agreed (as of when we first learn it), False: did not, None: the cell was blank.
    sms_consent: datetime | bool | None = None

    def merge(self, later: _Draft) -> None:
        """A later row for the same order adds its parcels; its non-blank cells win."""
        for number, carrier in later.parcels.items():
            if self.parcels.get(number) is None:
                self.parcels[number] = carrier
        self.email = later.email or self.email
        self.phone = later.phone or self.phone
        self.postal_code = later.postal_code or self.postal_code
        self.instagram_username = later.instagram_username or self.instagram_username
        self.ordered_at = later.ordered_at or self.ordered_at
        self.status = later.status or self.status
        if later.sms_consent is not None:  # a later "no" says no
            self.sms_consent = later.sms_consent

    def order(self, updated_at: datetime) -> Order:
        parcels = tuple(
            OrderParcel(tracking_number=number, carrier=carrier)
            for number, carrier in self.parcels.items()
        )
        status = self.status
        if status is None:
            status = FulfillmentStatus.FULFILLED if parcels else FulfillmentStatus.UNFULFILLED
        return Order(
            order_number=self.order_number,
            source=StoreKind.CSV,
            parcels=parcels,
            email=self.email,
            phone=self.phone,
            postal_code=self.postal_code,
            instagram_username=self.instagram_username,
            ordered_at=self.ordered_at,
            fulfillment_status=status,
            updated_at=updated_at,
            sms_consent_at=updated_at if self.sms_consent is True else self.sms_consent or None,
        )

    def authority(
        self, fields: frozenset[str], infer_shipped: bool
    ) -> tuple[frozenset[str], frozenset[str]]:
        """The fields the file is authoritative for on this order, and those of them written
        only where nothing is recorded yet (`OrderRepository.upsert`'s `fill`)."""
        if infer_shipped and self.parcels:
            fields |= {"fulfillment_status"}
        # A "yes" keeps the time consent was first recorded, so an unchanged file changes
        # nothing; a blank cell says nothing and keeps it too. A date-time or a "no" is the
        # merchant's statement and is written as it is.
        kept = self.sms_consent is True or self.sms_consent is None
        return fields, _CONSENT if kept and "sms_consent_at" in fields else frozenset()


@dataclass(slots=True)
class _Read:
    """What reading the rows found so far: drafts by order number, and notes on rows."""

    drafts: dict[str, _Draft] = field(default_factory=dict)
    problems: list[RowNote] = field(default_factory=list)
    notices: list[RowNote] = field(default_factory=list)
    parcel_warnings: list[ParcelWarning] = field(default_factory=list)
    rows: int = 0
    merged: int = 0

    def add(self, line: int, read: _RowRead) -> None:
        """One row read at `line`: merged into an earlier row of its order, or a problem."""
        draft, reasons, notes = read.draft, read.reasons, read.notes
        self.notices.extend(RowNote(line, note) for note in notes)
        if draft is None:
            self.problems.append(RowNote(line, "; ".join(reasons)))
            return
        self.parcel_warnings.extend(
            ParcelWarning(line, checked.warning, checked.imported)
            for checked in read.checked
            if checked.warning is not None
        )
        earlier = self.drafts.get(draft.order_number)
        if earlier is None:
            self.drafts[draft.order_number] = draft
        else:
            earlier.merge(draft)
            self.merged += 1


@dataclass(slots=True)
class _RowRead:
    """One row as read: its draft (None: not imported, `reasons` say why), notes and the
    tracking numbers the check had something to say about."""

    draft: _Draft | None = None
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checked: list[CheckedParcel] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Row:
    cells: Sequence[str]
    index: dict[str, int]

    def cell(self, column: str) -> str | None:
        """The column's value, stripped; None when the column is absent or the cell blank."""
        position = self.index.get(column)
        if position is None or position >= len(self.cells) or is_blank(self.cells[position]):
            return None
        return self.cells[position].strip()


def _checked(
    raw: str | None, parse: Callable[[str], str | None], reasons: list[str], reason: str
) -> str | None:
    """The parsed value of a cell; a blank cell is None, an unparsable one adds `reason`."""
    if raw is None:
        return None
    value = parse(raw)
    if value is None:
        reasons.append(reason)
    return value


def _username(raw: str | None, reasons: list[str]) -> str | None:
    if raw is None:
        return None
    username = instagram_username(raw)
    if username is None:
        reasons.append(f"instagram_username {raw!r} is not a valid Instagram username")
    return username


def _status(raw: str | None, notes: list[str]) -> FulfillmentStatus | None:
    if raw is None:
        return None
    status = fulfillment_status(raw)
    if status is FulfillmentStatus.UNKNOWN:
        notes.append(
            f"fulfillment_status {raw!r} is not one wismo knows; "
            "it is taken from the tracking numbers instead"
        )
        return None
    return status


def _sum(a: UpsertCounts, b: UpsertCounts) -> UpsertCounts:
    return UpsertCounts(
        created=a.created + b.created,
        updated=a.updated + b.updated,
        unchanged=a.unchanged + b.unchanged,
    )


def decode(data: bytes, encoding: str, name: str) -> str:
    """The file's text; a UTF-8 or UTF-16 byte-order mark wins over `encoding`.

    Raises OrderFileUnreadable naming the first line that is not text in that encoding.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif data.startswith(codecs.BOM_UTF8) or encoding.lower().replace("_", "-") in _UTF8:
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except LookupError as exc:
        raise OrderFileUnreadable(f"unknown encoding {encoding!r}") from exc
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise OrderFileUnreadable(
            f"{name}: line {line} is not {encoding} text; save the file as "
            "'CSV UTF-8' or name its encoding (for example --encoding gbk)"
        ) from exc


def _header_name(cell: str) -> str:
    return _HEADER_SPACES.sub("_", cell.strip().strip('"').lstrip("\ufeff").strip().lower())


def _sniff_delimiter(text: str, name: str) -> str:
    first_line = text.split("\n", 1)[0]
    for delimiter in _DELIMITERS:
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        if "order_number" in (_header_name(cell) for cell in cells):
            return delimiter
    found = ", ".join(cell.strip() for cell in first_line.split(",")[:8] if cell.strip())
    raise OrderFileUnreadable(
        f"{name}: the first row must be a header with an order_number column"
        + (f" (found: {found})" if found else " (the file is empty)")
    )


@dataclass(frozen=True, slots=True)
class _Shape:
    """The file being read: its name, text, known columns and header width."""

    name: str
    text: str
    index: dict[str, int]
    width: int


def _line_num(reader: Iterator[list[str]]) -> int:
    line: int = getattr(reader, "line_num", 0)
    return line


def _unclosed_quote(span: str) -> bool:
    """The last row of the file spans several lines and holds an odd number of double quotes:
    a quote opened in it is never closed, and the rest of the file was read into it."""
    return span.count('"') % 2 == 1 and span.rstrip("\r\n").count("\n") > 0


def _unclosed(first: int, last: int) -> str:
    return (
        f"a double quote opened on line {first} is never closed, so lines {first}–{last} were "
        "read as one row; close the quote (or remove it) and import again"
    )


def _unreadable_row(shape: _Shape, line: int, rest: str, error: csv.Error) -> str:
    """One line for a row the CSV reader gave up on (a cell longer than its field limit)."""
    if "field limit" in str(error):
        limit = f"{csv.field_size_limit():,}"
        if rest.count('"') % 2 == 1:
            return (
                f"{shape.name}: line {line}: a double quote opened here is never closed, so the "
                f"rest of the file was read as one cell (over {limit} characters); close it and "
                "import again"
            )
        return (
            f"{shape.name}: line {line}: a cell is longer than {limit} characters; "
            "this is not an order file, or a cell holds something else"
        )
    return f"{shape.name}: line {line}: not readable as CSV ({error})"


class OrderImporter:
    """Reads order files into the repository.

    `default_zone` is used for `ordered_at` values written without an offset; `check`, when
    given, judges every tracking number (not a tracking number, a wrong check digit, an unknown
    carrier) and each warning is reported on its line.
    """

    def __init__(
        self,
        repository: OrderRepository,
        *,
        clock: Callable[[], datetime],
        default_zone: tzinfo = UTC,
        batch_size: int = BATCH_SIZE,
        check: ParcelCheck | None = None,
        analyze_after: int = ANALYZE_AFTER,
    ) -> None:
        self._repository = repository
        self._analyze_after = analyze_after
        self._clock = clock
        self._zone = default_zone
        self._batch_size = batch_size
        self._check = check

    async def import_file(
        self, path: Path, *, encoding: str = "utf-8", progress: Progress | None = None
    ) -> ImportReport:
        """Import one CSV file. Raises OrderFileUnreadable when it cannot be read at all."""
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            raise OrderFileUnreadable(f"{path}: {exc.strerror or 'cannot be read'}") from exc
        return await self.import_text(decode(data, encoding, path.name), path.name, progress)

    async def import_text(
        self, text: str, name: str = "orders.csv", progress: Progress | None = None
    ) -> ImportReport:
        """Import CSV text. Raises OrderFileUnreadable when it has no usable header row."""
        stream = io.StringIO(text, newline="")
        reader = csv.reader(stream, delimiter=_sniff_delimiter(text, name))
        header = [_header_name(cell) for cell in next(reader)]
        repeated = sorted({column for column in header if column and header.count(column) > 1})
        if repeated:
            raise OrderFileUnreadable(f"{name}: the header names {', '.join(repeated)} twice")
        index = {column: position for position, column in enumerate(header) if column in COLUMNS}
        read = await self._read_rows(
            reader, stream, _Shape(name, text, index, len(header)), progress
        )
        if progress is not None:
            progress(Stage.READING, len(text), len(text))
        pending = list(read.drafts.values())
        counts = await self._save(pending, index, progress)
        return ImportReport(
            rows=read.rows,
            orders=len(pending),
            created=counts.created,
            updated=counts.updated,
            unchanged=counts.unchanged,
            merged_rows=read.merged,
            problems=tuple(read.problems),
            notices=tuple(read.notices),
            ignored_columns=tuple(column for column in header if column and column not in COLUMNS),
            parcel_warnings=tuple(read.parcel_warnings),
        )

    async def _read_rows(
        self,
        reader: Iterator[list[str]],
        stream: io.StringIO,
        shape: _Shape,
        progress: Progress | None,
    ) -> _Read:
        """Every row after the header, checked. Raises OrderFileUnreadable for a file the CSV
        reader cannot go through (a cell over the field limit)."""
        read = _Read()
        line = _line_num(reader) + 1
        start = stream.tell()
        try:
            for cells in reader:
                first_line, line = line, _line_num(reader) + 1
                end = stream.tell()
                span, start = shape.text[start:end], end
                if not any(cell.strip() for cell in cells):
                    continue
                read.rows += 1
                if read.rows % _YIELD_EVERY == 0:
                    # Checking a large file takes seconds; let the event loop (and a bar) breathe.
                    if progress is not None:
                        progress(Stage.READING, end, len(shape.text))
                    await asyncio.sleep(0)
                if end == len(shape.text) and _unclosed_quote(span):
                    read.problems.append(RowNote(first_line, _unclosed(first_line, line - 1)))
                    continue
                read.add(first_line, self._read_row(cells, shape.index, shape.width))
        except csv.Error as exc:
            raise OrderFileUnreadable(
                _unreadable_row(shape, line, shape.text[start:], exc)
            ) from exc
        return read

    async def _save(
        self, pending: list[_Draft], index: dict[str, int], progress: Progress | None
    ) -> UpsertCounts:
        """Upsert the orders in batches, each field only where the file has its column."""
        fields = {"source"}
        for column in index:
            fields.update(_FIELDS_OF_COLUMN.get(column, ()))
        now = self._clock()
        # Without a status column, a row's tracking numbers make its order fulfilled, but a row
        # without any must not undo a status (say, cancelled) an earlier import set.
        infer_shipped = "tracking_numbers" in index and "fulfillment_status" not in index
        total = UpsertCounts(created=0, updated=0, unchanged=0)
        for start in range(0, len(pending), self._batch_size):
            drafts = pending[start : start + self._batch_size]
            groups: dict[tuple[frozenset[str], frozenset[str]], list[Order]] = {}
            for draft in drafts:
                authority = draft.authority(frozenset(fields), infer_shipped)
                groups.setdefault(authority, []).append(draft.order(now))
            for (authoritative, fill), group in groups.items():
                counts = await self._repository.upsert(group, fields=authoritative, fill=fill)
                total = _sum(total, counts)
            if progress is not None:
                progress(Stage.SAVING, start + len(drafts), len(pending))
        if total.created + total.updated >= self._analyze_after:
            await self._repository.refresh_statistics()
        return total

    def _read_row(self, cells: Sequence[str], index: dict[str, int], width: int) -> _RowRead:
        """The row as a draft order, or None with the reasons it cannot be imported."""
        result = _RowRead()
        reasons, notes = result.reasons, result.notes
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            reasons.append(
                f"has {len(cells)} cells but the header has {width} columns "
                "(a value containing the separator must be in double quotes)"
            )
        row = _Row(cells, index)
        raw_number = row.cell("order_number")
        number = order_number_key(raw_number) if raw_number is not None else None
        if raw_number is None:
            reasons.append("order_number is empty")
        elif number is None:
            reasons.append(f"order_number {raw_number!r} is not usable")
        parcels = self._parcels(row.cell("tracking_numbers"), reasons, result.checked)
        email = _checked(row.cell("email"), email_address, reasons, "email is not a valid address")
        phone = _checked(
            row.cell("phone"),
            phone_number,
            reasons,
            "phone must be a phone number with at least 4 digits",
        )
        postcode = _checked(
            row.cell("postal_code"),
            postal_code,
            reasons,
            "postal_code is not a postal code (2–10 letters and digits)",
        )
        username = _username(row.cell("instagram_username"), reasons)
        ordered_at = self._ordered_at(row.cell("ordered_at"), reasons)
        status = _status(row.cell("fulfillment_status"), notes)
        sms_consent = self._sms_consent(row.cell("sms_consent"), reasons)
        if reasons or number is None:
            return result
        result.draft = _Draft(
            order_number=number,
            parcels=parcels,
            email=email,
            phone=phone,
            postal_code=postcode,
            instagram_username=username,
            ordered_at=ordered_at,
            status=status,
            sms_consent=sms_consent,
        )
        return result

    def _ordered_at(self, raw: str | None, reasons: list[str]) -> datetime | None:
        if raw is None:
            return None
        try:
            return parse_time(raw, self._zone)
        except ValueError:
            reasons.append(
                f"ordered_at {raw!r} is not an ISO 8601 date or date-time "
                "(for example 2026-11-28T14:05:00+08:00)"
            )
            return None

    def _sms_consent(self, raw: str | None, reasons: list[str]) -> datetime | bool | None:
        """yes/true/1 (agreed), no/false/0 (did not), or when the buyer agreed (ISO 8601)."""
        if raw is None:
            return None
        word = raw.strip().lower()
        if word in _YES or word in _NO:
            return word in _YES
        try:
            return parse_time(raw, self._zone)
        except ValueError:
            reasons.append(f"sms_consent {raw!r} is not yes, no or an ISO 8601 date-time")
            return None

    def _parcels(
        self, value: str | None, reasons: list[str], checked: list[CheckedParcel]
    ) -> dict[str, str | None]:
        parcels: dict[str, str | None] = {}
        if value is None:
            return parcels
        for item in _TRACKING_SEPARATORS.split(value):
            if is_blank(item):
                continue
            if "://" in item:
                reasons.append(f"{item.strip()!r} is a link, not a tracking number")
                continue
            carrier_text, _, number_text = item.strip().replace("：", ":").rpartition(":")
            parcel = self._parcel(carrier_text, number_text, reasons)
            if parcel is None:
                continue
            if parcel.warning is not None:
                checked.append(parcel)
            if parcel.imported and parcels.get(parcel.number) is None:
                parcels[parcel.number] = parcel.carrier
        return parcels

    def _parcel(
        self, carrier_text: str, number_text: str, reasons: list[str]
    ) -> CheckedParcel | None:
        """One `carrier:number` as stored, or None with the reason the row is refused."""
        if looks_like_spreadsheet_number(number_text):
            reasons.append(
                f"tracking number {number_text.strip()!r} was turned into a number by a "
                "spreadsheet; format the column as text and export again"
            )
            return None
        number = tracking_number_key(number_text)
        if number is None:
            reasons.append(
                f"tracking number {number_text.strip()!r} is not 6–40 letters and digits"
            )
            return None
        carrier = None
        if carrier_text.strip():
            carrier = carrier_hint(carrier_text)
            if carrier is None:
                reasons.append(f"carrier {carrier_text.strip()!r} is not a carrier name")
                return None
        if self._check is None:
            return CheckedParcel(number, carrier)
        checked = self._check(number_text.strip(), carrier_text.strip() or None)
        # Stored under this package's key for the number, whatever the check normalised.
        return replace(checked, number=number)
