"""Mattermost: channel posts in (outgoing webhooks), bot replies out (REST `POST /api/v4/posts`).

An outgoing webhook posts each matching public-channel post as JSON or as a form (the admin
chooses) with the webhook's `token` inside the body, compared here in constant time; Mattermost
signs nothing and sends no delivery timestamp, so a replayed post is absorbed by de-duplication
on `external_id` (the post id). The payload carries no thread: the post is read back with the bot
token (`GET /api/v4/posts/{id}`) for its `root_id`, so `thread_key` is
`"<channel_id>:<root post id>"` and a reply lands in the same thread (Mattermost refuses a
`root_id` that is itself a reply). Posts by our bot user, by other bots and by webhooks are
ignored, so our replies never come back in.

Replies are posted as the bot (`Authorization: Bearer <bot access token>`) with
`pending_post_id` set from our message id: Mattermost answers a repeat within 30 s with the post
it already made instead of posting twice.
"""

from __future__ import annotations

from typing import Any

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
from ingestion.contract import InboundMessage
from store.errors import BadInput, Fatal, Unauthorized

P = "mattermost"
MM_ID = r"^[a-z0-9]{26}$"  # Mattermost's ids (users, channels, posts) are 26 base-32 characters


class MattermostConfig(ConnectorConfig):
    """One Mattermost server: the outgoing webhook's token and a bot account to reply as."""

    server_url: str = tk.server_url("https://chat.example.com")
    bot_token: SecretStr = Secret("the bot account's access token", min_length=20, max_length=200)
    bot_user_id: str = Field(pattern=MM_ID, description="the bot's user id: its posts are ours")
    webhook_token: SecretStr = Secret("the outgoing webhook's token", min_length=16, max_length=200)
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class MattermostConnector:
    """Stateless: every call is told its server through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        tk.check_body_token(P, request, _config(conn).webhook_token)

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        hook = tk.body_fields(request, P)
        config = _config(conn)
        if hook.get("user_id") == config.bot_user_id:
            return []  # our own replies trigger the webhook like any post
        post_id = hd.require_id(hook.get("post_id"), P, "post id", "token")
        channel = hd.require_id(hook.get("channel_id"), P, "channel id", "token")
        post = await _read_post(conn, post_id)
        props = post.get("props") or {}
        if "true" in (str(props.get("from_bot")), str(props.get("from_webhook"))):
            return []  # other integrations' posts are not customer messages
        root = str(post.get("root_id") or post_id)
        return [
            hd.message(
                conn,
                external_id=post_id,
                thread_key=f"{channel}:{root}",
                sender=hd.party(external_id=hook.get("user_id"), name=hook.get("user_name")),
                text=str(hook.get("text") or ""),
                received_at=hook.get("timestamp"),
                raw_ref=f"mattermost:post/{post_id}",
                metadata=_metadata(hook, root),
            )
        ]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        channel, root = tk.split_key(message.thread_key, P, ":", "<channel>:<root post>")
        config = _config(conn)
        body = {
            "channel_id": channel,
            "message": message.text,
            "root_id": root,
            # Mattermost de-duplicates a create with a pending id it saw in the last 30 s.
            "pending_post_id": f"{config.bot_user_id}:{message.message_id}",
        }
        post = hd.as_dict(await _call(conn, "POST", "/api/v4/posts", json=body), P)
        if not post.get("id"):
            raise BadInput("mattermost: the created post has no id", code="no_message_id")
        return SendResult(external_id=str(post["id"]), thread_key=f"{channel}:{root}")

    async def check(self, conn: Connection) -> str:
        me = hd.as_dict(await _call(conn, "GET", "/api/v4/users/me"), P)
        return f"Mattermost: connected as @{me.get('username') or me.get('id')}"


async def _read_post(conn: Connection, post_id: str) -> dict[str, Any]:
    """The post, for its thread root and bot flags; {} when the bot may not read it (the post is
    still taken in, as a thread of its own)."""
    try:
        return hd.as_dict(await _call(conn, "GET", f"/api/v4/posts/{post_id}"), P)
    except (BadInput, Fatal, Unauthorized):
        return {}


def _metadata(hook: dict[str, Any], root: str) -> dict[str, Any]:
    keys = ("team_id", "team_domain", "channel_name", "trigger_word", "file_ids")
    return {"root_id": root, **{k: hook[k] for k in keys if hook.get(k)}}


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> Any:
    config = _config(conn)
    url = tk.api_base(config, config.server_url) + path
    return await hd.call(conn, P, method, url, {"Authorization": hd.bearer(config.bot_token)},
                         **kwargs)  # fmt: skip


def _config(conn: Connection) -> MattermostConfig:
    return hd.config_of(conn, MattermostConfig, P)


SPEC = ConnectorSpec(
    slug="mattermost",
    name="Mattermost",
    kind="chat",
    auth_type="token",
    config_model=MattermostConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="Mattermost channels: posts in (outgoing webhook), bot replies in the thread.",
    factory=MattermostConnector,
)
