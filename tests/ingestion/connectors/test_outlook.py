"""The Outlook connector against a fake Microsoft Graph and token endpoint on loopback."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from ingestion.connectors import outlook_graph
from ingestion.connectors.capabilities import Connection, OutboundMessage, WebhookRequest
from ingestion.connectors.outlook import OutlookConfig, OutlookConnector
from store.errors import BadInput, Retriable, Unauthorized
from tests.fakes.graph import SENT_ID, GraphFake
from tests.fakes.http_server import serve_app
from tests.fakes.oauth_server import OAuthServer

CLIENT_STATE = "secretClientValue-4f1c9a"
connector = OutlookConnector()


@dataclass
class Mailbox:
    fake: GraphFake
    url: str
    http: httpx.AsyncClient
    saved_state: list[dict[str, Any]] = field(default_factory=list)
    saved_secrets: list[dict[str, str]] = field(default_factory=list)

    def connection(self, state: dict[str, Any] | None = None, **config: Any) -> Connection:
        values: dict[str, Any] = {
            "client_id": self.fake.oauth.client_id,
            "client_secret": SecretStr(self.fake.oauth.client_secret),
            "access_token": SecretStr(self.fake.oauth.issue_access_token()),
            "refresh_token": SecretStr(self.fake.oauth.issue_refresh_token()),
            "token_expires_at": int(time.time()) + 3600,
            "oauth_base_url": self.url,
            "api_base_url": self.url,
            "email_address": self.fake.address,
            "client_state": SecretStr(CLIENT_STATE),
            **config,
        }

        async def save_state(state: dict[str, Any]) -> None:
            self.saved_state.append(state)

        async def save_secrets(secrets: dict[str, str]) -> None:
            self.saved_secrets.append(secrets)

        return Connection(
            integration_id=uuid.uuid4(),
            organization_id=uuid.uuid4(),
            channel="email",
            config=OutlookConfig(**values),
            state=dict(state or {}),
            http=self.http,
            save_state=save_state,
            save_secrets=save_secrets,
        )


@pytest.fixture
def served() -> Iterator[tuple[GraphFake, str]]:
    fake = GraphFake(oauth=OAuthServer())
    with serve_app(fake.app()) as url:
        yield fake, url


@pytest.fixture
async def box(served: tuple[GraphFake, str]) -> AsyncIterator[Mailbox]:
    async with httpx.AsyncClient(timeout=10) as http:
        yield Mailbox(fake=served[0], url=served[1], http=http)


def notification(message_id: str, client_state: str | None = CLIENT_STATE) -> dict[str, Any]:
    """An item shaped like Graph's documented change notification for a new message."""
    item = {
        "id": "lsgTZMr9KwAAA",
        "subscriptionId": "e86e9b5f-5d5e-4a2d-b6a0-0c4a7c1e5b8a",
        "subscriptionExpirationDateTime": "2026-03-19T22:11:09.952Z",
        "changeType": "created",
        "resource": f"Users/ddfcd489-628b-40d7-b48b-57002df800e5/Messages/{message_id}",
        "tenantId": "84bd8158-6d4d-4958-8b9f-9d6445542f95",
        "resourceData": {
            "@odata.type": "#Microsoft.Graph.Message",
            "@odata.id": f"Users/ddfcd489-628b-40d7-b48b-57002df800e5/Messages/{message_id}",
            "@odata.etag": 'W/"CQAAABYAAADkrWGo7bouTKlsgTZMr9KwAAAUWRHf"',
            "id": message_id,
        },
    }
    if client_state is not None:
        item["clientState"] = client_state
    return item


def webhook(items: list[dict[str, Any]], query: dict[str, str] | None = None) -> WebhookRequest:
    body = json.dumps({"value": items}).encode() if items else b""
    headers = {"content-type": "application/json"}
    return WebhookRequest("POST", "https://sb.test/hook", headers, query or {}, body)


def reply_to(item: dict[str, Any], *, html: str | None = None) -> OutboundMessage:
    return OutboundMessage(
        message_id=uuid.uuid4(),
        conversation_id=uuid.uuid4(),
        text="We are on it.",
        html=html,
        to=[{"email": "customer@fabrikam.com"}],
        thread_key=item["conversationId"],
        in_reply_to_external_id=item["id"],
        in_reply_to_header=item["internetMessageId"],
    )


async def test_first_poll_follows_delta_pages_and_maps_graph_messages(
    box: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outlook_graph, "PAGE_SIZE", 2)
    parent = "<CAH1@fabrikam.com>"
    threading = [
        {"name": "In-Reply-To", "value": parent},
        {"name": "References", "value": f"<CAH0@fabrikam.com> {parent}"},
    ]
    html = box.fake.deliver("Broken kettle", "<p>It&nbsp;leaks</p><p>Help!</p>", headers=threading)
    box.fake.deliver("Plain", "just text", content_type="text")
    box.fake.deliver("Third", "<div>three</div>")
    box.fake.deliver("Draft", "not inbox", folder=SENT_ID)
    conn = box.connection()
    batch = await connector.poll(conn)
    assert sorted(m.subject or "" for m in batch.messages) == ["Broken kettle", "Plain", "Third"]
    got = next(m for m in batch.messages if m.external_id == html["id"])
    assert got.thread_key == html["conversationId"]
    assert got.message_id_header == html["internetMessageId"]
    assert got.in_reply_to == parent and got.references == ["<CAH0@fabrikam.com>", parent]
    assert got.text == "It leaks\n\nHelp!" and got.html == html["body"]["content"]
    assert (
        got.sender.email == "customer@fabrikam.com" and got.recipients[0].email == box.fake.address
    )
    plain = next(m for m in batch.messages if m.subject == "Plain")
    assert plain.text == "just text" and plain.html is None
    assert "$deltatoken=" in batch.state["delta_link"]
    assert box.fake.calls.count("GET /v1.0/me/mailFolders('inbox')/messages/delta") == 2


async def test_delta_link_resumes_and_removed_items_are_skipped(box: Mailbox) -> None:
    old = box.fake.deliver("old", "<p>old</p>")
    conn = box.connection()
    conn.state = (await connector.poll(conn)).state
    again = await connector.poll(conn)
    assert again.messages == []
    conn.state = again.state
    box.fake.delete(old["id"])
    new = box.fake.deliver("new", "<p>new</p>")
    batch = await connector.poll(conn)
    assert [m.external_id for m in batch.messages] == [new["id"]]
    assert batch.state["delta_link"] != conn.state["delta_link"]


async def test_expired_sync_state_restarts_the_delta_round_within_the_window(
    box: Mailbox,
) -> None:
    ancient = box.fake.deliver("last year", "<p>old</p>")
    box.fake.messages[ancient["id"]]["receivedDateTime"] = "2020-01-01T09:00:00Z"
    conn = box.connection()
    conn.state = (await connector.poll(conn)).state
    box.fake.expire_sync_state()
    new = box.fake.deliver("after expiry", "<p>x</p>")
    batch = await connector.poll(conn)
    assert [m.external_id for m in batch.messages] == [new["id"]]
    assert "$deltatoken=" in batch.state["delta_link"]


async def test_a_delta_link_to_another_host_is_refused(box: Mailbox) -> None:
    conn = box.connection({"delta_link": "https://attacker.test/v1.0/delta?$deltatoken=x"})
    with pytest.raises(BadInput):
        await connector.poll(conn)
    assert box.fake.calls == []


async def test_validation_handshake_echoes_the_token_as_plain_text(box: Mailbox) -> None:
    token = "Validation: Testing client application! <&>"
    reply = connector.handshake(box.connection(), webhook([], {"validationToken": token}))
    assert reply is not None
    assert (reply.status, reply.body, reply.media_type) == (200, token, "text/plain")
    assert connector.handshake(box.connection(), webhook([notification("x")])) is None


async def test_notifications_with_our_client_state_fetch_the_new_inbox_message(
    box: Mailbox,
) -> None:
    item = box.fake.deliver("Notified", "<p>hi</p>")
    sent = box.fake.deliver("ours", "<p>x</p>", folder=SENT_ID)
    lifecycle = {"lifecycleEvent": "reauthorizationRequired", "clientState": CLIENT_STATE}
    gone = notification("AAMkDeletedMeanwhile")
    request = webhook([notification(item["id"]), notification(sent["id"]), lifecycle, gone])
    conn = box.connection()
    connector.verify(conn, request)
    messages = await connector.parse(conn, request)
    assert [m.external_id for m in messages] == [item["id"]]
    assert messages[0].thread_key == item["conversationId"]


@pytest.mark.parametrize("bad", ["wrong-client-state-value", None])
async def test_one_notification_without_our_client_state_is_unauthorized(
    box: Mailbox, bad: str | None
) -> None:
    request = webhook([notification("a"), notification("b", client_state=bad)])
    with pytest.raises(Unauthorized):
        connector.verify(box.connection(), request)


async def test_notifications_are_refused_when_no_client_state_is_configured(box: Mailbox) -> None:
    with pytest.raises(Unauthorized):
        connector.verify(box.connection(client_state=None), webhook([notification("a")]))


async def test_subscribe_creates_an_inbox_subscription_with_the_client_state(box: Mailbox) -> None:
    conn = box.connection()
    created = await connector.subscribe(conn, "https://sb.test/api/v1/webhooks/outlook/1")
    [stored] = box.fake.subscriptions
    assert stored["resource"] == "me/mailFolders('inbox')/messages"
    assert stored["changeType"] == "created" and stored["clientState"] == CLIENT_STATE
    assert stored["notificationUrl"] == "https://sb.test/api/v1/webhooks/outlook/1"
    assert stored["expirationDateTime"].endswith("Z")
    assert box.saved_state[-1]["subscription_id"] == created["id"]


async def test_text_reply_lands_in_the_same_conversation(box: Mailbox) -> None:
    item = box.fake.deliver("Refund?", "<p>please</p>")
    outbound = reply_to(item)
    result = await connector.send(box.connection(), outbound)
    [sent] = box.fake.outbox
    assert sent["conversationId"] == item["conversationId"] == result.thread_key
    assert sent["body"]["content"] == "We are on it." and sent["parentFolderId"] == SENT_ID
    again = await connector.send(box.connection(), outbound)
    assert result.external_id == again.external_id == f"switchboard:{outbound.message_id}"


async def test_html_reply_drafts_sets_the_body_and_sends(box: Mailbox) -> None:
    item = box.fake.deliver("Refund?", "<p>please</p>")
    conn = box.connection()
    result = await connector.send(conn, reply_to(item, html="<p><b>Done</b></p>"))
    [sent] = box.fake.outbox
    assert sent["body"] == {"contentType": "HTML", "content": "<p><b>Done</b></p>"}
    assert sent["conversationId"] == item["conversationId"] == result.thread_key
    assert sent["toRecipients"] == [item["from"]]


async def test_reply_without_thread_key_reads_the_conversation(box: Mailbox) -> None:
    item = box.fake.deliver("Refund?", "<p>please</p>")
    message = reply_to(item)
    unthreaded = OutboundMessage(**{**message.__dict__, "thread_key": None})
    result = await connector.send(box.connection(), unthreaded)
    assert result.thread_key == item["conversationId"]


async def test_new_message_goes_through_send_mail(box: Mailbox) -> None:
    outbound = OutboundMessage(
        message_id=uuid.uuid4(),
        conversation_id=uuid.uuid4(),
        text="Welcome aboard",
        subject="Welcome",
        to=[{"email": "new@fabrikam.com", "name": "New Customer"}],
    )
    await connector.send(box.connection(), outbound)
    [sent] = box.fake.outbox
    assert sent["subject"] == "Welcome"
    assert sent["body"] == {"contentType": "Text", "content": "Welcome aboard"}
    assert sent["toRecipients"] == [
        {"emailAddress": {"address": "new@fabrikam.com", "name": "New Customer"}}
    ]


async def test_categories_are_merged_with_the_existing_ones(box: Mailbox) -> None:
    item = box.fake.deliver("Invoice", "<p>x</p>")
    box.fake.messages[item["id"]]["categories"] = ["Red category"]
    conn = box.connection()
    await connector.apply_labels(conn, item["id"], ["Billing", "Red category"])
    await connector.apply_labels(conn, item["id"], ["Urgent"])
    assert box.fake.messages[item["id"]]["categories"] == ["Red category", "Billing", "Urgent"]


async def test_expired_access_token_is_refreshed_and_persisted(box: Mailbox) -> None:
    box.fake.deliver("late", "<p>x</p>")
    conn = box.connection(access_token=SecretStr("stale"), token_expires_at=int(time.time()) - 5)
    assert len((await connector.poll(conn)).messages) == 1
    [grant] = box.fake.oauth.grants
    assert grant["grant_type"] == "refresh_token"
    assert box.saved_secrets[-1]["access_token"] in box.fake.oauth.access_tokens


@pytest.mark.parametrize(
    ("statuses", "error"),
    [([429], Retriable), ([503], Retriable), ([504], Retriable), ([401, 401], Unauthorized)],
)
async def test_provider_errors_are_named_for_the_caller(
    box: Mailbox, statuses: list[int], error: type[Exception]
) -> None:
    item = box.fake.deliver("x", "<p>x</p>")
    box.fake.fail_next = list(statuses)
    with pytest.raises(error):
        await connector.send(box.connection(), reply_to(item))
