"""conversations: on PostgreSQL, a trigram index of message texts for the console's search.

The console finds messages containing what was typed, anywhere, in any case (ILIKE '%term%').
Without an index PostgreSQL reads every message for each search; a GIN index over the text's
trigrams (pg_trgm) answers the same ILIKE from the index, then rechecks each candidate row, so
the results are exactly those of the scan. SQLite has its own trigram index (conversations_0003)
and is not touched.

pg_trgm ships with PostgreSQL (the contrib package) and is a trusted extension since
PostgreSQL 13: a role with CREATE on the database may create it without being a superuser.
Where it cannot be created (contrib not installed, or the role lacks that privilege) the
migration still succeeds without the index, logs the statements a database owner can run
later, and search keeps working with a sequential scan. Downgrading drops the index but leaves
the extension, which other schemas may use.

Building the index takes a SHARE lock on messages (writes wait; reads do not) for as long as
the build lasts: 2.4 s for 400,000 messages on the 2-core test machine (31 MB of index beside
67 MB of table). Each message written afterwards also updates the index: about 10 µs more per
INSERT measured there (21 µs instead of 11 µs).

Revision ID: conversations_0005
Revises: conversations_0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from alembic import op
from sqlalchemy import exc, text

revision: str = "conversations_0005"
down_revision: str | Sequence[str] | None = "conversations_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_messages_text_trgm"
CREATE_EXTENSION = "CREATE EXTENSION IF NOT EXISTS pg_trgm"
CREATE_INDEX = f"CREATE INDEX IF NOT EXISTS {INDEX} ON messages USING gin (text gin_trgm_ops)"

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        # A savepoint, so a refusal leaves the rest of the upgrade's transaction usable.
        with bind.begin_nested():
            bind.execute(text(CREATE_EXTENSION))
    except exc.DBAPIError as error:
        log.warning(
            "pg_trgm could not be created (%s); console search will scan messages. "
            "A database owner can run later: %s; %s; ANALYZE messages;",
            type(error.orig).__name__,
            CREATE_EXTENSION,
            CREATE_INDEX,
        )
        return
    op.execute(CREATE_INDEX)
    # Fresh statistics for the planner to weigh the new index against a scan.
    op.execute("ANALYZE messages")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
