"""Integrations, contacts, conversations, messages, notes, drafts and label corrections."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base, IdMixin, OrgScoped, TimestampMixin, utcnow


class Integration(IdMixin, TimestampMixin, OrgScoped, Base):
    __tablename__ = "integrations"
    __table_args__ = (
        UniqueConstraint("organization_id", "name"),
        Index("ix_integrations_org_created", "organization_id", "created_at"),
    )

    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default="active")
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # AES-256-GCM envelope of the secret config fields (store/crypto.py); never returned.
    secrets_encrypted: Mapped[str | None] = mapped_column(Text)
    health: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=sql_text("'{}'"))
    # Connector cursors (IMAP UIDVALIDITY/UID, Gmail historyId, Graph deltaLink...).
    state: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=sql_text("'{}'"))


class Contact(IdMixin, TimestampMixin, OrgScoped, Base):
    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_org_created", "organization_id", "created_at", "id"),
        Index("ix_contacts_org_email", "organization_id", sql_text("lower(email)")),
        Index("ix_contacts_org_phone", "organization_id", "phone"),
    )

    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    external_ids: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Conversation(IdMixin, TimestampMixin, OrgScoped, Base):
    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_org_recent", "organization_id", "last_message_at", "id"),
        Index("ix_conversations_org_status", "organization_id", "status", "last_message_at"),
        Index("ix_conversations_org_priority", "organization_id", "priority", "last_message_at"),
        Index("ix_conversations_org_assignee", "organization_id", "assignee_id", "last_message_at"),
        Index("ix_conversations_org_channel", "organization_id", "channel", "last_message_at"),
        Index("ix_conversations_org_category", "organization_id", "category", "last_message_at"),
        Index("ix_conversations_org_intent", "organization_id", "intent", "last_message_at"),
        Index("ix_conversations_thread", "organization_id", "integration_id", "thread_key"),
    )

    integration_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("integrations.id", ondelete="SET NULL")
    )
    contact_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL")
    )
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    channel: Mapped[str] = mapped_column(String(40))
    thread_key: Mapped[str | None] = mapped_column(String(500))
    subject: Mapped[str | None] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(16), default="open")
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    category: Mapped[str | None] = mapped_column(String(80))
    intent: Mapped[str | None] = mapped_column(String(80))
    sentiment: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(8))
    tags: Mapped[list[str]] = mapped_column(default=list)
    snoozed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when the status becomes resolved, cleared when it is reopened (resolution times).
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_message_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Message(IdMixin, TimestampMixin, OrgScoped, Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("integration_id", "external_id"),
        Index("ix_messages_org_conversation", "organization_id", "conversation_id", "created_at"),
        Index("ix_messages_org_header", "organization_id", "message_id_header"),
        Index("ix_messages_outbound_queue", "status", "next_attempt_at"),
    )

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    integration_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("integrations.id", ondelete="SET NULL")
    )
    external_id: Mapped[str | None] = mapped_column(String(500))
    direction: Mapped[str] = mapped_column(String(16))
    status: Mapped[str | None] = mapped_column(String(16))
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sender: Mapped[dict[str, Any]] = mapped_column(default=dict)
    recipients: Mapped[list[Any]] = mapped_column(default=list)
    subject: Mapped[str | None] = mapped_column(String(1000))
    text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    classification: Mapped[dict[str, Any] | None] = mapped_column()
    model_version: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    raw_ref: Mapped[str | None] = mapped_column(String(500))
    # RFC 5322 Message-ID of this message (email threading in both directions).
    message_id_header: Mapped[str | None] = mapped_column(String(998))
    # Pipeline steps already done for this message: a redelivery resumes after the last one.
    pipeline_steps: Mapped[list[str]] = mapped_column(default=list, server_default=sql_text("'[]'"))
    # Outbound delivery: attempts so far, when to try next, and the last error (for operators).
    attempts: Mapped[int] = mapped_column(default=0, server_default=sql_text("0"))
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
    # How an outbound reply is delivered when plain text is not enough: {"template": {...}} (a
    # WhatsApp template outside the 24-hour window). Handed to the sender as its metadata.
    delivery: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=sql_text("'{}'"))


class Note(IdMixin, TimestampMixin, OrgScoped, Base):
    """An agent's internal note on a conversation; never sent to the customer."""

    __tablename__ = "notes"
    __table_args__ = (
        CheckConstraint("char_length(body) BETWEEN 1 AND 10000", name="body_length"),
        Index("ix_notes_org_conversation", "organization_id", "conversation_id", "created_at"),
    )

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)


class Draft(IdMixin, TimestampMixin, OrgScoped, Base):
    """An AI reply proposal; at most one per inbound message (nothing paid for twice)."""

    __tablename__ = "drafts"
    __table_args__ = (
        UniqueConstraint("message_id"),
        Index("ix_drafts_org_status", "organization_id", "status", "created_at"),
        Index("ix_drafts_conversation", "conversation_id"),
    )

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="requested")
    text: Mapped[str | None] = mapped_column(Text)
    edited_text: Mapped[str | None] = mapped_column(Text)
    provider: Mapped[str | None] = mapped_column(String(40))
    model: Mapped[str | None] = mapped_column(String(120))
    cost_usd: Mapped[Decimal] = mapped_column(Numeric(14, 6), default=Decimal(0))
    confidence: Mapped[float | None] = mapped_column()
    sources: Mapped[list[Any]] = mapped_column(default=list)
    reason: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rejection_reason: Mapped[str | None] = mapped_column(Text)


class LabelCorrection(IdMixin, TimestampMixin, OrgScoped, Base):
    __tablename__ = "label_corrections"
    __table_args__ = (Index("ix_label_corrections_org_created", "organization_id", "created_at"),)

    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    head: Mapped[str] = mapped_column(String(32))
    old_label: Mapped[str | None] = mapped_column(String(80))
    new_label: Mapped[str] = mapped_column(String(80))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
