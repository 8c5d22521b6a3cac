"""The export the trainer reads: newest label per message, prepared text, deduped, one org."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from models.pipeline import prepare
from store.tables import Conversation, LabelCorrection, Message, Organization
from training.export import Snapshot, export_examples, snapshot_id, write_jsonl

T0 = datetime(2025, 1, 1, tzinfo=UTC)
EMAIL = "Where is my parcel?\n\nThanks,\nBob\n\nOn Mon, Shop <shop@example.com> wrote:\n> shipped"


class Org:
    """One organization's inbox, written straight to the tables as the pipeline and API do."""

    def __init__(self, session: AsyncSession, org_id: uuid.UUID, conversation_id: uuid.UUID):
        self.session, self.id, self.conversation_id = session, org_id, conversation_id
        self.clock = T0

    @classmethod
    async def create(cls, session: AsyncSession) -> Org:
        org_id = uuid.uuid4()
        session.add(Organization(id=org_id, name="Export Co", slug=f"exp-{org_id.hex[:12]}"))
        await session.flush()
        conversation = Conversation(organization_id=org_id, channel="api")
        session.add(conversation)
        await session.flush()
        return cls(session, org_id, conversation.id)

    async def message(
        self, text: str, *, direction: str = "inbound", subject: str | None = None
    ) -> uuid.UUID:
        row = Message(
            organization_id=self.id,
            conversation_id=self.conversation_id,
            direction=direction,
            text=text,
            subject=subject,
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def label(
        self, message_id: uuid.UUID, new: str, *, old: str | None = "other", head: str = "intent"
    ) -> None:
        self.clock += timedelta(minutes=1)  # each label strictly newer than the one before
        self.session.add(
            LabelCorrection(
                organization_id=self.id,
                message_id=message_id,
                head=head,
                old_label=old,
                new_label=new,
                created_at=self.clock,
            )
        )
        await self.session.flush()


@pytest.fixture
async def org(session: AsyncSession) -> Org:
    return await Org.create(session)


async def test_newest_label_per_message_over_the_prepared_text(
    org: Org, session: AsyncSession
) -> None:
    parcel = await org.message(EMAIL)
    refund = await org.message("I want my money back for order 17.")
    await org.label(parcel, "refund_request")
    await org.label(parcel, "track_order", old="track_order")  # the agent changed their mind
    await org.label(refund, "refund_request", old="cancel_order")
    snap = await export_examples(session, org.id)
    assert snap.examples == sorted(
        [(prepare(EMAIL), "track_order"), ("I want my money back for order 17.", "refund_request")]
    )
    assert prepare(EMAIL) == "Where is my parcel?"  # the thread and signature are not learnt
    assert snap.counts == {"examples": 2, "labels": 2, "corrections": 1, "confirmations": 1}
    assert snap.exported_at.tzinfo is not None


async def test_identical_texts_keep_the_newest_label(org: Org, session: AsyncSession) -> None:
    first = await org.message("Where is my parcel?")
    second = await org.message("Where is my parcel?\n\nOn Mon, Shop wrote:\n> it shipped")
    await org.label(second, "delivery_delay")
    await org.label(first, "track_order")
    snap = await export_examples(session, org.id)
    assert snap.examples == [("Where is my parcel?", "track_order")]


async def test_only_inbound_texts_of_the_head_are_exported(org: Org, session: AsyncSession) -> None:
    blank = await org.message("   ")
    subject_only = await org.message("", subject="Invoice copy please")
    reply = await org.message("Your parcel left today.", direction="outbound")
    await org.label(blank, "greeting")
    await org.label(subject_only, "invoice_request")
    await org.label(reply, "track_order")
    await org.label(subject_only, "negative", head="sentiment")
    snap = await export_examples(session, org.id, "intent")
    assert snap.examples == [("Invoice copy please", "invoice_request")]
    sentiment = await export_examples(session, org.id, "sentiment")
    assert sentiment.examples == [("Invoice copy please", "negative")]
    with pytest.raises(ValueError, match="unknown head"):
        await export_examples(session, org.id, "language")


async def test_snapshot_id_names_the_data(org: Org, session: AsyncSession) -> None:
    a = await org.message("Where is my parcel?")
    b = await org.message("Cancel my order please.")
    await org.label(a, "track_order")
    await org.label(b, "cancel_order")
    one, two = await export_examples(session, org.id), await export_examples(session, org.id)
    assert one.snapshot_id == two.snapshot_id and one.snapshot_id.startswith("snap-")
    assert len(one.snapshot_id) == len("snap-") + 16
    assert snapshot_id(list(reversed(one.examples))) == one.snapshot_id  # order does not matter
    await org.label(b, "change_order")
    changed = await export_examples(session, org.id)
    assert changed.snapshot_id != one.snapshot_id


async def test_export_is_strictly_one_organizations(org: Org, session: AsyncSession) -> None:
    other = await Org.create(session)
    ours = await org.message("Where is my parcel?")
    theirs = await other.message("Where is my parcel?")
    await org.label(ours, "track_order")
    await other.label(theirs, "their_taxonomy")
    # A correction row claiming our org but pointing at their message is not ours to learn from.
    await org.label(theirs, "smuggled")
    assert (await export_examples(session, org.id)).examples == [
        ("Where is my parcel?", "track_order")
    ]
    assert (await export_examples(session, other.id)).examples == [
        ("Where is my parcel?", "their_taxonomy")
    ]
    empty = await export_examples(session, uuid.uuid4())
    assert empty.examples == [] and empty.counts["examples"] == 0


async def test_limit_keeps_the_most_recently_labelled(org: Org, session: AsyncSession) -> None:
    for i in range(4):
        await org.label(await org.message(f"question number {i} about my order"), f"label_{i}")
    snap = await export_examples(session, org.id, limit=2)
    assert snap.examples == [
        ("question number 2 about my order", "label_2"),
        ("question number 3 about my order", "label_3"),
    ]


def test_write_jsonl_is_one_object_per_line(tmp_path: Path) -> None:
    examples = [("Où est mon colis ?", "track_order"), ('say "hi"\nthere', "greeting")]
    snap = Snapshot(snapshot_id(examples), examples, {"examples": 2}, T0)
    path = write_jsonl(snap, tmp_path / "examples.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {"text": "Où est mon colis ?", "label": "track_order"},
        {"text": 'say "hi"\nthere', "label": "greeting"},
    ]
