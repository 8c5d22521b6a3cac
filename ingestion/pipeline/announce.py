"""What the pipeline announces for a stored message: its events, with deterministic ids."""

from __future__ import annotations

from ingestion.events import Event, event_id
from store.tables import Conversation, Message


def events_for(message: Message, conversation: Conversation) -> list[Event]:
    org, mid, cid = message.organization_id, message.id, conversation.id
    summary = {
        "direction": message.direction,
        "channel": conversation.channel,
        "subject": message.subject,
        "sender": message.sender,
        "preview": (message.text or "")[:280],
        "received_at": message.received_at.isoformat() if message.received_at else None,
    }
    conv = {
        "status": conversation.status,
        "priority": conversation.priority,
        "assignee_id": str(conversation.assignee_id) if conversation.assignee_id else None,
        "tags": conversation.tags,
        "intent": conversation.intent,
        "category": conversation.category,
        "last_message_at": conversation.last_message_at.isoformat(),
    }
    events = [
        Event(id=event_id("message.created", mid), kind="message.created", organization_id=org,
              conversation_id=cid, message_id=mid, data=summary),
        Event(id=event_id("message.classified", mid), kind="message.classified",
              organization_id=org, conversation_id=cid, message_id=mid,
              data={"classification": message.classification}),
        Event(id=event_id("conversation.updated", mid), kind="conversation.updated",
              organization_id=org, conversation_id=cid, message_id=mid, data=conv),
    ]  # fmt: skip
    if "draft_requested" in message.pipeline_steps:
        events.append(
            Event(id=event_id("draft.requested", mid), kind="draft.requested",
                  organization_id=org, conversation_id=cid, message_id=mid, data={})
        )  # fmt: skip
    return events
