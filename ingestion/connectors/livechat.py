"""LiveChat (text.com): visitor messages in (webhooks v3.5), agent replies out (Agent Chat API
`send_event`).

LiveChat puts the webhook's `secret_key` (chosen when the webhook is registered) inside every
body, compared here in constant time; it signs and dates nothing, so a replayed call is absorbed
by de-duplication on `external_id` (`"<chat id>:<event id>"`). Two actions carry messages:

* `incoming_event`: `{"payload": {"chat_id", "thread_id", "event": {...}}}`, one event;
* `incoming_chat`: a new chat whose thread may already hold the customer's first messages
  (`payload.chat.thread.events`), with the chat's users (the customer's name and email).

Only `message` events visible to the customer count. Agents' and bots' events are not customer
messages: agents are recognised by their ids (LiveChat agent ids are their login emails, bots are
listed as such in `incoming_chat`), and our own agent by `agent_id`. The chat is the thread.

Replies: `POST /v3.5/agent/action/send_event` with a personal access token (HTTP Basic
`account_id:PAT`, plus `X-Region` for accounts hosted outside the default region).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SecretStr

from ingestion.connectors import helpdesk_kit as hd
from ingestion.connectors import team_chat_kit as tk
from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookRequest,
)
from ingestion.contract import InboundMessage, Party
from store.errors import BadInput

P = "livechat"
API_URL = "https://api.livechatinc.com"
UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


class LiveChatConfig(ConnectorConfig):
    """One LiveChat organization: an agent's personal access token and the webhook secret."""

    account_id: str = Field(pattern=UUID, description="the agent's account id (Developer Console)")
    pat: SecretStr = Secret(
        "the agent's personal access token (scope chats--all:rw)", min_length=16
    )
    agent_id: str = Field(
        min_length=3, max_length=320, description="the agent replies are sent as (its email)"
    )
    webhook_secret: SecretStr = Secret("the webhooks' secret_key", min_length=16)
    region: Literal["dal", "fra"] | None = Field(
        default=None, description="X-Region of the account's data center, when not the default"
    )
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class LiveChatConnector:
    """Stateless: every call is told its organization through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        tk.check_body_token(P, request, _config(conn).webhook_secret, name="secret_key")

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        hook = hd.object_of(request.json(), P)
        found = _chat_events_users(hook)
        if found is None:
            return []  # chat access, properties, tags and routing webhooks carry no message
        chat, events, users = found
        people = {str(u.get("id")): u for u in users if isinstance(u, dict)}
        return [
            self._message(conn, hook, chat, event, people)
            for event in events
            if isinstance(event, dict) and self._from_customer(conn, event, people)
        ]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        chat = hd.require_id(message.thread_key, P, "chat id", "token")
        body = {"chat_id": chat, "event": {"type": "message", "text": message.text,
                                           "visibility": "all"}}  # fmt: skip
        data = hd.as_dict(await _call(conn, "/v3.5/agent/action/send_event", body), P)
        if not data.get("event_id"):
            raise BadInput("livechat: send_event answered without an event id", code="refused")
        return SendResult(external_id=f"{chat}:{data['event_id']}", thread_key=chat)

    async def check(self, conn: Connection) -> str:
        await _call(conn, "/v3.5/agent/action/list_chats", {"limit": 1})
        return f"LiveChat: connected as {_config(conn).agent_id}"

    def _from_customer(self, conn: Connection, event: dict[str, Any],
                       people: dict[str, Any]) -> bool:  # fmt: skip
        author = str(event.get("author_id") or "")
        if event.get("type") != "message" or event.get("visibility", "all") != "all":
            return False  # files, system messages, rich messages, agents-only notes
        if author.lower() == _config(conn).agent_id.lower() or "@" in author:
            return False  # our agent's replies and other agents' messages (ids are emails)
        return bool((people.get(author) or {}).get("type", "customer") == "customer")

    def _message(self, conn: Connection, hook: dict[str, Any], chat: dict[str, Any],
                 event: dict[str, Any], people: dict[str, Any]) -> InboundMessage:  # fmt: skip
        chat_id = hd.require_id(chat.get("id"), P, "chat id", "token")
        event_id = hd.require_id(event.get("id"), P, "event id", "token")
        author = str(event.get("author_id") or "")
        return hd.message(
            conn,
            external_id=f"{chat_id}:{event_id}",
            thread_key=chat_id,
            sender=_party(author, people.get(author) or {}),
            text=str(event.get("text") or ""),
            received_at=event.get("created_at"),
            raw_ref=f"livechat:chat/{chat_id}/{event_id}",
            metadata={
                "action": hook.get("action"),
                "thread_id": (chat.get("thread") or {}).get("id"),
                "webhook_id": hook.get("webhook_id"),
            },
        )


def _chat_events_users(hook: dict[str, Any]) -> tuple[dict[str, Any], list[Any], list[Any]] | None:
    """(chat, events, users) of the two webhooks that carry messages; None for the others."""
    payload = hook.get("payload") or {}
    if hook.get("action") == "incoming_event":
        chat = {"id": payload.get("chat_id"), "thread": {"id": payload.get("thread_id")}}
        return chat, [payload.get("event") or {}], []
    if hook.get("action") == "incoming_chat":
        chat = payload.get("chat") or {}
        return chat, (chat.get("thread") or {}).get("events") or [], chat.get("users") or []
    return None


def _party(author: str, user: dict[str, Any]) -> Party:
    return hd.party(external_id=author, email=user.get("email"), name=user.get("name"))


async def _call(conn: Connection, path: str, body: dict[str, Any]) -> Any:
    config = _config(conn)
    headers = {"Authorization": hd.basic(config.account_id, config.pat)}
    if config.region:
        headers["X-Region"] = config.region
    url = tk.api_base(config, API_URL) + path
    return await hd.call(conn, P, "POST", url, headers, json=body)


def _config(conn: Connection) -> LiveChatConfig:
    return hd.config_of(conn, LiveChatConfig, P)


SPEC = ConnectorSpec(
    slug="livechat",
    name="LiveChat (text.com)",
    kind="chat",
    auth_type="basic",
    config_model=LiveChatConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="LiveChat (text.com) chats: visitor messages in (webhooks), agent replies out.",
    factory=LiveChatConnector,
)
