"""SMS and chat connectors beyond the documented-examples table: Vonage, Twilio and Plivo account
binding, proxies, windows and key rotation; LINE and Viber retries and in-body status codes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from ingestion.connectors.registry import REGISTRY
from store.errors import BadInput, Fatal, Retriable, Unauthorized
from tests.fakes.http_server import serve_app
from tests.fakes.recorder import Answer, Recorder
from tests.ingestion.connectors.cases import json_body
from tests.ingestion.connectors.examples import line as line_rows
from tests.ingestion.connectors.examples import plivo as plivo_rows
from tests.ingestion.connectors.examples import twilio_sms as twilio_rows
from tests.ingestion.connectors.examples import viber as viber_rows
from tests.ingestion.connectors.examples import vonage as vonage_rows
from tests.ingestion.connectors.messaging_support import (
    URL,
    inbound,
    reply,
    send,
    wire,
)


@pytest.fixture
def provider() -> Iterator[tuple[Recorder, str]]:
    recorder = Recorder()
    with serve_app(recorder.app()) as base:
        yield recorder, base


# Vonage, Twilio, Plivo: account binding, proxies, windows, rotations.


def test_vonage_refuses_a_token_signed_for_another_api_key() -> None:
    conn = wire("vonage", vonage_rows.CASES[0].config)
    body = json_body(vonage_rows.SMS)
    digest = hashlib.sha256(body).hexdigest()
    claims = {"iat": int(time.time()), "jti": "1", "payload_hash": digest, "api_key": "other999"}
    token = jwt.encode(claims, vonage_rows.SIGNATURE_SECRET, algorithm="HS256")
    with pytest.raises(Unauthorized):
        REGISTRY["vonage"].connector().verify(
            conn, inbound(body, {"authorization": f"Bearer {token}"})
        )


def test_twilio_checks_the_public_url_when_a_proxy_rewrote_ours() -> None:
    public = "https://support.example.com/twilio/hook"
    conn = wire("twilio_sms", {**twilio_rows.CONFIG, "public_webhook_url": public})
    body = twilio_rows.incoming(twilio_rows.SMS_SID, twilio_rows.CUSTOMER, "hi")
    internal = "http://app:8000/api/v1/webhooks/twilio_sms/1"
    connector = REGISTRY["twilio_sms"].connector()
    connector.verify(conn, inbound(body, twilio_rows.sign(body, public, 0), url=internal))
    with pytest.raises(Unauthorized):
        connector.verify(conn, inbound(body, twilio_rows.sign(body, internal, 0), url=internal))


async def test_twilio_whatsapp_refuses_free_text_outside_the_24_hour_session() -> None:
    from tests.ingestion.connectors.examples import twilio_whatsapp as rows

    conn = wire("twilio_whatsapp", rows.CASES[0].config)
    late = datetime.now(UTC) - timedelta(hours=25)
    with pytest.raises(BadInput) as refused:
        await send(conn, reply(rows.CUSTOMER, last_inbound_at=late))
    assert refused.value.code == "whatsapp_window_closed"


async def test_twilio_sends_through_a_messaging_service(provider: tuple[Recorder, str]) -> None:
    recorder, base = provider
    service = "MG" + "9a" * 16
    recorder.reset(Answer(201, twilio_rows.created(twilio_rows.CUSTOMER, "", "hi")))
    config = {**twilio_rows.CONFIG, "from_number": None, "messaging_service_sid": service}
    await send(wire("twilio_sms", config, base), reply(twilio_rows.CUSTOMER))
    form = recorder.requests[-1].form()
    assert form["MessagingServiceSid"] == service and "From" not in form


def test_plivo_accepts_any_listed_signature_and_v2_only_when_allowed() -> None:
    form = b"From=14155550100&MessageUUID=u1&Text=hi&To=14155550199"
    connector, config = REGISTRY["plivo"].connector(), plivo_rows.CASES[0].config
    signed = plivo_rows.sign(form, URL, 0)
    listed = "b2xkLXNpZ25hdHVyZQ==, " + signed["x-plivo-signature-v3"]
    connector.verify(
        wire("plivo", config),
        inbound(form, {**signed, "x-plivo-signature-v3": listed}),
    )
    mac = hmac.new(plivo_rows.AUTH_TOKEN.encode(), (URL + "123").encode(), hashlib.sha256)
    v2 = {"x-plivo-signature-v2": base64.b64encode(mac.digest()).decode(),
          "x-plivo-signature-v2-nonce": "123"}  # fmt: skip
    with pytest.raises(Unauthorized):
        connector.verify(wire("plivo", config), inbound(form, v2))
    connector.verify(wire("plivo", {**config, "allow_v2_signature": True}), inbound(form, v2))


# LINE and Viber: retries and status codes that are not HTTP statuses.


async def test_line_retry_of_an_accepted_push_is_not_an_error(
    provider: tuple[Recorder, str],
) -> None:
    recorder, base = provider
    recorder.reset(Answer(409, {"message": "The retry key is already accepted"},
                          {"x-line-accepted-request-id": "123e4567-e89b-12d3"}))  # fmt: skip
    message = reply(line_rows.USER, "x" * 5001)
    result = await send(wire("line", line_rows.CASES[0].config, base), message)
    assert result.external_id == f"retry:{message.message_id}"
    sent = recorder.requests[-1]
    assert sent.headers["x-line-retry-key"] == str(message.message_id)
    assert [len(m["text"]) for m in json.loads(sent.body)["messages"]] == [5000, 1]


@pytest.mark.parametrize(
    ("status", "error"), [(2, Unauthorized), (12, Retriable), (6, BadInput), (9, Fatal)]
)
async def test_viber_failures_inside_http_200_are_mapped(
    provider: tuple[Recorder, str], status: int, error: type[Exception]
) -> None:
    recorder, base = provider
    recorder.reset(Answer(200, {"status": status, "status_message": "refused"}))
    with pytest.raises(error):
        await send(wire("viber", viber_rows.CASES[0].config, base), reply("01234567890A="))
