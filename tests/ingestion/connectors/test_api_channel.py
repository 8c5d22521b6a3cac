"""The generic API channel delivers replies to the client's callback, signed Stripe-style."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ingestion.connectors.api import SPEC, ApiChannelConfig, sign, verify_signature
from ingestion.connectors.capabilities import Connection, OutboundMessage
from ingestion.outbound import needs_delivery
from store.errors import BadInput, Retriable, Unauthorized
from tests.fakes.http_server import serve_app

SECRET = "receiver-secret-0123456789"


@dataclass
class Receiver:
    """A client's callback endpoint: it checks the signature like a real receiver would."""

    deliveries: list[dict[str, Any]] = field(default_factory=list)
    replies: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hooks/switchboard")
        async def receive(request: Request) -> JSONResponse:
            body = await request.body()
            try:
                verify_signature(SECRET, request.headers.get("x-switchboard-signature"), body)
            except Unauthorized:
                return JSONResponse({"error": "bad signature"}, status_code=401)
            self.deliveries.append(
                {"body": json.loads(body), "delivery": request.headers["x-switchboard-delivery"]}
            )
            status, answer = self.replies.pop(0) if self.replies else (200, {"id": "rcv-1"})
            return JSONResponse(answer, status_code=status)

        return app


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    fake = Receiver()
    with serve_app(fake.app()) as base:
        yield fake, f"{base}/hooks/switchboard"


def _conn(**config: Any) -> Connection:
    return Connection(
        integration_id=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        channel="api",
        config=ApiChannelConfig(**config),
    )


def _reply() -> OutboundMessage:
    return OutboundMessage(
        message_id=uuid.uuid4(),
        conversation_id=uuid.uuid4(),
        text="Your refund is on its way.",
        html="<p>Your refund is on its way.</p>",
        to=[{"email": "casey@example.com"}],
        thread_key="order-1042",
        in_reply_to_external_id="client-msg-7",
    )


async def test_send_posts_a_signed_reply_the_receiver_accepts(
    receiver: tuple[Receiver, str],
) -> None:
    fake, url = receiver
    message = _reply()
    result = await SPEC.connector().send(_conn(callback_url=url, callback_secret=SECRET), message)
    [delivery] = fake.deliveries
    assert delivery["delivery"] == str(message.message_id)
    body = delivery["body"]
    assert body["type"] == "message.outbound"
    assert body["message_id"] == str(message.message_id)
    assert body["conversation_id"] == str(message.conversation_id)
    assert (body["thread_id"], body["in_reply_to"]) == ("order-1042", "client-msg-7")
    assert (body["text"], body["html"]) == (message.text, message.html)
    assert body["to"] == [{"email": "casey@example.com"}] and body["sent_at"]
    assert (result.external_id, result.thread_key) == ("rcv-1", "order-1042")


async def test_a_receiver_with_another_secret_refuses_the_delivery(
    receiver: tuple[Receiver, str],
) -> None:
    fake, url = receiver
    conn = _conn(callback_url=url, callback_secret="someone-elses-secret-xyz")
    with pytest.raises(Unauthorized):
        await SPEC.connector().send(conn, _reply())
    assert fake.deliveries == []


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_receiver_overload_is_retriable(receiver: tuple[Receiver, str], status: int) -> None:
    fake, url = receiver
    fake.replies.append((status, {}))
    with pytest.raises(Retriable):
        await SPEC.connector().send(_conn(callback_url=url, callback_secret=SECRET), _reply())


async def test_receiver_without_an_id_gets_our_message_id_back(
    receiver: tuple[Receiver, str],
) -> None:
    fake, url = receiver
    fake.replies.append((202, {"ok": True}))
    message = _reply()
    result = await SPEC.connector().send(_conn(callback_url=url, callback_secret=SECRET), message)
    assert result.external_id == str(message.message_id)


async def test_unreachable_receiver_is_retriable() -> None:
    conn = _conn(callback_url="http://127.0.0.1:9/nothing", callback_secret=SECRET)
    with pytest.raises(Retriable):
        await SPEC.connector().send(conn, _reply())


async def test_send_without_callback_url_or_secret_is_bad_input() -> None:
    with pytest.raises(BadInput):
        await SPEC.connector().send(_conn(), _reply())
    with pytest.raises(BadInput):
        await SPEC.connector().send(_conn(callback_url="https://example.com/hook"), _reply())


def test_verify_signature_rejects_tampered_stale_and_absent_signatures() -> None:
    body, now = b'{"text":"hi"}', int(time.time())
    verify_signature(SECRET, sign(SECRET, body, now), body)
    with pytest.raises(Unauthorized):
        verify_signature(SECRET, sign(SECRET, body, now), b'{"text":"hi!"}')
    with pytest.raises(Unauthorized):
        verify_signature(SECRET, sign(SECRET, body, now - 301), body)
    with pytest.raises(Unauthorized):
        verify_signature(SECRET, None, body)
    with pytest.raises(Unauthorized):
        verify_signature(SECRET, f"t={now}", body)


def test_verify_signature_accepts_any_of_several_v1_values_during_rotation() -> None:
    body, now = b"{}", int(time.time())
    old = sign("old-secret-0123456789", body, now).split(",")[1]
    assert verify_signature(SECRET, f"{sign(SECRET, body, now)},{old}", body) is None
    with pytest.raises(Unauthorized):
        verify_signature(SECRET, old.replace("v1=", f"t={now},v1="), body)


def test_only_integrations_with_a_callback_need_delivery() -> None:
    connector = SPEC.connector()
    assert needs_delivery(connector, _conn(callback_url="https://example.com/hook"))
    assert not needs_delivery(connector, _conn())


def test_api_channel_is_a_sender_without_provider_webhooks() -> None:
    assert "inbound_webhook" not in SPEC.capabilities
    assert "sender" in SPEC.capabilities
