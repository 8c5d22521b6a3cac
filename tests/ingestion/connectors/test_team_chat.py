"""Team-chat and developer-tool connectors: what the shared table cannot express (fallbacks,
idempotency keys, acks, config checks, field mapping), against a recording fake on loopback."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from ingestion.connectors.capabilities import Connection, OutboundMessage, WebhookRequest
from ingestion.connectors.registry import REGISTRY
from store.errors import BadInput, Fatal, Retriable, Unauthorized
from tests.conftest import Tenant
from tests.fakes.http_server import serve_app
from tests.fakes.recorder import Answer, Recorder
from tests.ingestion.connectors.examples import github_issues as gh
from tests.ingestion.connectors.examples import gitlab_issues as gl
from tests.ingestion.connectors.examples import livechat as lc
from tests.ingestion.connectors.examples import mattermost as mm
from tests.ingestion.connectors.examples import rocketchat as rc
from tests.ingestion.connectors.examples import typeform as tf
from tests.ingestion.connectors.examples import zulip as zl

URL = "https://sb.example/api/v1/webhooks/x/00000000-0000-4000-8000-000000000001"
THREAD_GH = "Codertocat/Hello-World#1"


@pytest.fixture(scope="module")
def provider() -> Iterator[tuple[Recorder, str]]:
    recorder = Recorder()
    with serve_app(recorder.app()) as base:
        yield recorder, base


def _conn(slug: str, config: dict[str, Any], base: str = "http://127.0.0.1:9") -> Connection:
    filled = {k: v.replace("{base}", base) if isinstance(v, str) else v for k, v in config.items()}
    return Connection(
        integration_id=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        channel=slug,
        config=REGISTRY[slug].config_model.model_validate(filled),
    )


def _request(body: bytes, headers: dict[str, str] | None = None,
             content_type: str = "application/json") -> WebhookRequest:  # fmt: skip
    headers = {"content-type": content_type, **(headers or {})}
    return WebhookRequest(method="POST", url=URL, headers=headers, query={}, body=body)


def _reply(thread_key: str, text: str = "On it.") -> OutboundMessage:
    return OutboundMessage(
        message_id=uuid.uuid4(), conversation_id=uuid.uuid4(), text=text, thread_key=thread_key
    )


async def _parse(conn: Connection, request: WebhookRequest) -> list[Any]:
    connector = REGISTRY[conn.channel].connector()
    connector.verify(conn, request)
    try:
        return list(await connector.parse(conn, request))
    finally:
        if conn.http is not None:
            await conn.http.aclose()


async def _send(conn: Connection, message: OutboundMessage) -> Any:
    try:
        return await REGISTRY[conn.channel].connector().send(conn, message)
    finally:
        if conn.http is not None:
            await conn.http.aclose()


async def _check(conn: Connection) -> str:
    try:
        return str(await REGISTRY[conn.channel].connector().check(conn))
    finally:
        if conn.http is not None:
            await conn.http.aclose()


# Mattermost


async def test_mattermost_takes_a_post_in_as_its_own_thread_when_the_bot_cannot_read_it(
    provider: tuple[Recorder, str],
) -> None:
    recorder, base = provider
    recorder.reset(Answer(403, {"id": "api.context.permissions.app_error"}))
    conn = _conn("mattermost", mm.CASES[0].config, base)
    [message] = await _parse(conn, _request(mm.with_token(mm.HOOK_JSON, time.time())))
    assert message.thread_key == f"{mm.CHANNEL}:{mm.POST}"
    assert recorder.requests[0].headers["authorization"] == f"Bearer {mm.BOT_TOKEN}"


async def test_mattermost_replies_with_a_pending_post_id_so_a_retry_posts_once(
    provider: tuple[Recorder, str],
) -> None:
    recorder, base = provider
    recorder.reset(Answer(201, {"id": "ucbc9uw3tbgbdxe8t4pppwtbqw"}))
    conn = _conn("mattermost", mm.CASES[0].config, base)
    reply = _reply(f"{mm.CHANNEL}:{mm.ROOT}")
    result = await _send(conn, reply)
    sent = json.loads(recorder.requests[-1].body)
    assert sent["pending_post_id"] == f"{mm.BOT_USER}:{reply.message_id}"
    assert sent["root_id"] == mm.ROOT and result.thread_key == f"{mm.CHANNEL}:{mm.ROOT}"
    with pytest.raises(BadInput):
        await _send(conn, _reply("no-thread-separator"))


async def test_mattermost_health_check_names_the_bot(provider: tuple[Recorder, str]) -> None:
    recorder, base = provider
    recorder.reset(Answer(200, {"id": mm.BOT_USER, "username": "support-bot"}))
    conn = _conn("mattermost", mm.CASES[0].config, base)
    line = await _check(conn)
    assert "@support-bot" in line and recorder.requests[-1].path == "/api/v4/users/me"


def test_mattermost_refuses_bodies_without_a_token_and_plain_http_servers() -> None:
    conn = _conn("mattermost", mm.CASES[0].config)
    connector = REGISTRY["mattermost"].connector()
    for body in (b"[]", b"not json", b""):
        with pytest.raises(Unauthorized):
            connector.verify(conn, _request(body))
    with pytest.raises(ValidationError):
        _conn("mattermost", {**mm.CASES[0].config, "server_url": "http://chat.example.com"})


# Rocket.Chat


async def test_rocketchat_ignores_room_events_that_carry_no_message() -> None:
    conn = _conn("rocketchat", rc.CASES[0].config)
    joined = {"bot": False, "channel_id": rc.ROOM, "user_id": "zk8ei6fZYTxnNdbWg",
              "user_name": "thangtm13", "timestamp": "2021-03-18T03:37:15.725Z"}  # fmt: skip
    body = rc.with_token(json.dumps(joined).encode(), time.time())
    assert await _parse(conn, _request(body)) == []


async def test_rocketchat_a_refused_post_is_bad_input_and_health_names_the_bot(
    provider: tuple[Recorder, str],
) -> None:
    recorder, base = provider
    conn = _conn("rocketchat", rc.CASES[0].config, base)
    recorder.reset(Answer(200, {"success": False, "error": "error-not-allowed"}))
    with pytest.raises(BadInput):
        await _send(conn, _reply(f"{rc.ROOM}:{rc.THREAD}"))
    recorder.reset(Answer(200, {"_id": rc.BOT_USER, "username": "helpdesk.bot", "success": True}))
    conn = _conn("rocketchat", rc.CASES[0].config, base)
    assert "@helpdesk.bot" in await _check(conn)
    assert recorder.requests[-1].headers["x-user-id"] == rc.BOT_USER


# Zulip


async def test_zulip_is_answered_response_not_required_so_it_posts_nothing_itself(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    made = await client.post(
        "/api/v1/integrations",
        headers=tenant.headers,
        json={"name": "zulip", "type": "zulip", "config": zl.CASES[0].config},
    )
    assert made.status_code == 201, made.text
    path = f"/api/v1/webhooks/zulip/{made.json()['id']}"
    body = zl.with_token(zl.MENTION, time.time())
    answer = await client.post(path, content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 200 and answer.json() == {"response_not_required": True}


async def test_zulip_replies_to_a_direct_conversation_by_user_ids(
    provider: tuple[Recorder, str],
) -> None:
    recorder, base = provider
    recorder.reset(Answer(200, {"id": 43, "msg": "", "result": "success"}))
    conn = _conn("zulip", zl.CASES[0].config, base)
    result = await _send(conn, _reply("dm:5,7", "Both of you: it shipped."))
    form = recorder.requests[-1].form()
    assert (form["type"], json.loads(form["to"])) == ("private", [5, 7])
    assert result.external_id == "43"
    for key in ("stream:general", "dm:", "dm:5,x", "telegram:1"):
        with pytest.raises(BadInput):
            await _send(_conn("zulip", zl.CASES[0].config, base), _reply(key))


async def test_zulip_a_slack_format_webhook_is_bad_input_after_its_token_checks() -> None:
    conn = _conn("zulip", zl.CASES[0].config)
    body = f"token={zl.TOKEN}&channel_name=Verona&text=hello".encode()
    with pytest.raises(BadInput):
        await _parse(conn, _request(body, content_type="application/x-www-form-urlencoded"))


# LiveChat


async def test_livechat_sends_the_region_header_for_accounts_outside_the_default_region(
    provider: tuple[Recorder, str],
) -> None:
    recorder, base = provider
    recorder.reset(Answer(200, {"event_id": "K600PKZON8_3"}))
    conn = _conn("livechat", {**lc.CASES[0].config, "region": "fra"}, base)
    result = await _send(conn, _reply(lc.CHAT))
    assert recorder.requests[-1].headers["x-region"] == "fra"
    assert result.external_id == f"{lc.CHAT}:K600PKZON8_3" and result.thread_key == lc.CHAT


async def test_livechat_webhooks_without_messages_yield_nothing() -> None:
    conn = _conn("livechat", lc.CASES[0].config)
    closed = lc.envelope("chat_deactivated", {"chat_id": lc.CHAT, "thread_id": lc.THREAD})
    assert await _parse(conn, _request(lc.with_secret(closed, time.time()))) == []
    with pytest.raises(Unauthorized):
        REGISTRY["livechat"].connector().verify(conn, _request(closed))


# GitHub Issues


async def test_github_rate_limit_403s_are_retriable_after_the_time_github_names(
    provider: tuple[Recorder, str],
) -> None:
    recorder, base = provider
    reset = int(time.time()) + 120
    secondary = Answer(403, {"message": "You have exceeded a secondary rate limit"},
                       {"retry-after": "60"})  # fmt: skip
    primary = Answer(403, {"message": "API rate limit exceeded"},
                     {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)})  # fmt: skip
    waits = []
    for answer in (secondary, primary):
        recorder.reset(answer)
        with pytest.raises(Retriable) as raised:
            await _send(_conn("github_issues", gh.CASES[0].config, base), _reply(THREAD_GH))
        waits.append(raised.value.retry_after)
    assert waits[0] == 60 and 100 <= waits[1] <= 120
    recorder.reset(Answer(403, {"message": "Resource not accessible by integration"}))
    with pytest.raises(Fatal):
        await _send(_conn("github_issues", gh.CASES[0].config, base), _reply(THREAD_GH))


async def test_github_refuses_thread_keys_that_are_not_an_issue() -> None:
    conn = _conn("github_issues", gh.CASES[0].config)
    for key in ("Codertocat/Hello-World", "Hello-World#1", "a/b/c#1", "Codertocat/Hello-World#x"):
        with pytest.raises(BadInput):
            await _send(conn, _reply(key))


async def test_github_ignores_edits_closes_and_a_missing_event_header() -> None:
    conn = _conn("github_issues", gh.CASES[0].config)
    edited = gh.opened().replace(b'"action":"opened"', b'"action":"edited"')
    for event, body in (("issues", edited), ("", gh.opened())):
        headers = {**gh.signer(event)(body, URL, time.time())}
        if not event:
            del headers["x-github-event"]
        assert await _parse(conn, _request(body, headers)) == []


# GitLab Issues


async def test_gitlab_reads_both_of_its_timestamp_formats() -> None:
    conn = _conn("gitlab_issues", gl.CASES[0].config)
    for event, body, expected in (
        ("Note Hook", gl.note_hook(), "2015-05-17T17:06:40+00:00"),
        ("Issue Hook", gl.issue_hook(), "2013-12-03T17:15:43+00:00"),
    ):
        [message] = await _parse(conn, _request(body, gl.signer(event)(body, URL, time.time())))
        assert message.received_at.isoformat() == expected


async def test_gitlab_posts_notes_with_the_private_token_and_refuses_other_keys(
    provider: tuple[Recorder, str],
) -> None:
    recorder, base = provider
    recorder.reset(Answer(201, {"id": 306, "body": "On it."}))
    result = await _send(_conn("gitlab_issues", gl.CASES[0].config, base), _reply("5#17"))
    assert result.external_id == "note:306"
    assert recorder.requests[-1].headers["private-token"] == gl.TOKEN
    for key in ("gitlab-org/gitlab-test#17", "5#", "5:17"):
        with pytest.raises(BadInput):
            await _send(_conn("gitlab_issues", gl.CASES[0].config, base), _reply(key))


# Typeform


async def test_typeform_without_a_long_text_answer_brings_every_answer_in() -> None:
    conn = _conn("typeform", {"webhook_secret": tf.SECRET})
    body = tf.payload(answers=tf.ANSWERS[1:])
    [message] = await _parse(conn, _request(body, tf.sign(body, URL, time.time())))
    assert message.text.splitlines() == [
        f"{tf.FIELDS[1]['title']}: laura@example.com",
        "What is your first name?: Laura",
        "When did you move to the place where you live?: 2005-10-15",
    ]
    assert message.sender.name is None and message.sender.email == "laura@example.com"


async def test_typeform_configured_refs_win_over_the_defaults() -> None:
    config = {"webhook_secret": tf.SECRET, "message_ref": "readable_ref_short_text",
              "email_ref": "readable_ref_date"}  # fmt: skip
    body = tf.payload()
    [message] = await _parse(_conn("typeform", config), _request(body, tf.sign(body, URL, 0)))
    assert message.text == "Laura"
    assert message.sender.email is None and message.sender.external_id == f"typeform:{tf.TOKEN}"


def test_typeform_refuses_a_hex_signature_and_bad_refs() -> None:
    conn = _conn("typeform", {"webhook_secret": tf.SECRET})
    body = tf.payload()
    hex_mac = hmac.new(tf.SECRET.encode(), body, hashlib.sha256).hexdigest()
    with pytest.raises(Unauthorized):
        REGISTRY["typeform"].connector().verify(
            conn, _request(body, {"typeform-signature": f"sha256={hex_mac}"})
        )
    with pytest.raises(ValidationError):
        _conn("typeform", {"webhook_secret": tf.SECRET, "email_ref": "not a ref!"})


# Health checks: the cheapest authenticated call of each provider.


@pytest.mark.parametrize(
    ("slug", "config", "answer", "path", "words"),
    [
        ("zulip", zl.CASES[0].config, {"full_name": "Helpdesk bot"}, "/api/v1/users/me",
         "Helpdesk bot"),
        ("livechat", lc.CASES[0].config, {"chats_summary": []},
         "/v3.5/agent/action/list_chats", lc.AGENT),
        ("github_issues", gh.CASES[0].config, {"login": gh.BOT}, "/user", gh.BOT),
        ("gitlab_issues", gl.CASES[0].config, {"username": gl.BOT}, "/api/v4/user", gl.BOT),
    ],
)  # fmt: skip
async def test_health_checks_call_an_authenticated_endpoint(
    provider: tuple[Recorder, str], slug: str, config: dict[str, Any], answer: dict[str, Any],
    path: str, words: str,
) -> None:  # fmt: skip
    recorder, base = provider
    recorder.reset(Answer(200, answer))
    line = await _check(_conn(slug, config, base))
    assert words in line and recorder.requests[-1].path == path
    recorder.reset(Answer(401, {"message": "Bad credentials"}))
    with pytest.raises(Unauthorized):
        await _check(_conn(slug, config, base))
