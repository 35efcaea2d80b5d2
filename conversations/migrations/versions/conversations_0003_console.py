"""conversations: the merchant console's users, grants, sessions and login failures; search.

Also indexes for the console's lists and figures, and on SQLite a trigram full-text index of
message texts (kept current by triggers) so searching message text stays fast at 100,000
conversations. PostgreSQL searches with ILIKE.

Revision ID: conversations_0003
Revises: conversations_0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "conversations_0003"
down_revision: str | Sequence[str] | None = "conversations_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)

# External-content FTS5 over messages.text: the index holds no copy of the text.
SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE messages_fts USING fts5("
    "text, content='messages', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.text IS NOT NULL BEGIN "
    "INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.text IS NOT NULL BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, text) "
    "SELECT 'delete', old.id, old.text WHERE old.text IS NOT NULL; "
    "INSERT INTO messages_fts(rowid, text) SELECT new.id, new.text WHERE new.text IS NOT NULL; "
    "END",
    "INSERT INTO messages_fts(rowid, text) SELECT id, text FROM messages WHERE text IS NOT NULL",
]


def upgrade() -> None:
    op.create_table(
        "console_users",
        sa.Column("id", ID, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("all_accounts", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("password_changed_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_console_users"),
        sa.UniqueConstraint("username", name="uq_console_users_username"),
    )
    op.create_table(
        "console_grants",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "account_id", name="pk_console_grants"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["console_users.id"],
            name="fk_console_grants_user_id_console_users",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "console_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("last_seen_at", TIME, nullable=False),
        sa.Column("address", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name="pk_console_sessions"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["console_users.id"],
            name="fk_console_sessions_user_id_console_users",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_console_sessions_user", "console_sessions", ["user_id"])
    op.create_table(
        "console_login_failures",
        sa.Column("id", ID, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_console_login_failures"),
    )
    op.create_index(
        "ix_console_login_failures_username", "console_login_failures", ["username", "at"]
    )
    op.create_index(
        "ix_console_login_failures_address", "console_login_failures", ["address", "at"]
    )
    op.create_table(
        "console_hand_backs",
        sa.Column("id", ID, primary_key=True),
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("handoff_at", TIME, nullable=False),
        sa.Column("handoff_reason", sa.String(64), nullable=True),
        sa.Column("handed_back_at", TIME, nullable=False),
        sa.Column("handed_back_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_console_hand_backs"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_console_hand_backs_conversation_id_conversations",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_console_hand_backs_handoff", "console_hand_backs", ["handoff_at"])

    op.create_index(
        "ix_conversations_account_last_message",
        "conversations",
        ["account_id", "last_message_at", "id"],
    )
    op.create_index("ix_conversations_created", "conversations", ["created_at"])
    op.create_index("ix_messages_created", "messages", ["created_at"])
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_SEARCH:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("messages_fts_insert", "messages_fts_delete", "messages_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS messages_fts")
    op.drop_index("ix_messages_created", table_name="messages")
    op.drop_index("ix_conversations_created", table_name="conversations")
    op.drop_index("ix_conversations_account_last_message", table_name="conversations")
    op.drop_table("console_hand_backs")
    op.drop_table("console_login_failures")
    op.drop_table("console_sessions")
    op.drop_table("console_grants")
    op.drop_table("console_users")
