"""Mattermost: the outgoing-webhook requests of Mattermost's developer guide (JSON and form), the
post read back for its thread root, and the documented `POST /api/v4/posts` reply.

Mattermost authenticates an outgoing webhook only by the `token` field *inside* the body. The
rows keep the documented payloads without their token (what an unsigned call carries) and
`sign_body` puts the webhook's token in, as Mattermost does; the forgery is the genuine body
with a guessed token (no signature binds the rest of the body, and no timestamp is sent).
"""

from __future__ import annotations

from typing import Any

from tests.ingestion.connectors.cases import Case, Inbound, Send

TOKEN = "zmigewsanbbsdf59xnmduzypjc"  # the documented example's webhook token
BOT_TOKEN = "9xuqwrwgstrb3mzrxb83nb357a"
BOT_USER = "pjz4ybhkq3gnbqqa3c7dp8xcxo"
CHANNEL = "hawos4dqtby53pd64o4a4cmeoo"
POST = "axdygg1957njfe5pu38saikdho"
ROOT = "c3h8gq9vwtnkzrwmrbqaayqnxy"
OUTGOING = "https://developers.mattermost.com/integrate/webhooks/outgoing/"
GET_POST = "https://api.mattermost.com/#tag/posts/operation/GetPost"
CREATE_POST = "https://api.mattermost.com/#tag/posts/operation/CreatePost"

# Verbatim from the developer guide's application/json request, its `token` line left out.
HOOK_JSON = b"""{
  "channel_id": "hawos4dqtby53pd64o4a4cmeoo",
  "channel_name": "town-square",
  "team_domain": "someteam",
  "team_id": "kwoknj9nwpypzgzy78wkw516qe",
  "post_id": "axdygg1957njfe5pu38saikdho",
  "text": "some text here",
  "timestamp": "1445532266",
  "trigger_word": "some",
  "user_id": "rnina9994bde8mua79zqcg5hmo",
  "user_name": "somename",
  "file_ids": "znana9194bde8mua70zqcg5hmo"
}"""

# Verbatim from the guide's application/x-www-form-urlencoded request (line breaks removed,
# `token` left out).
HOOK_FORM = (
    b"channel_id=hawos4dqtby53pd64o4a4cmeoo&channel_name=town-square&team_domain=someteam&"
    b"team_id=kwoknj9nwpypzgzy78wkw516qe&post_id=axdygg1957njfe5pu38saikdho&"
    b"text=some+text+here&timestamp=1445532266&trigger_word=some&"
    b"user_id=rnina9994bde8mua79zqcg5hmo&user_name=somename&file_ids=znana9194bde8mua70zqcg5hmo"
)


def with_token(body: bytes, at: float, token: str = TOKEN) -> bytes:
    """The body as Mattermost sends it: the webhook's token is one of its fields."""
    if body.lstrip().startswith(b"{"):
        return body.replace(b"{", b'{\n  "token": "' + token.encode() + b'",', 1)
    return body + b"&token=" + token.encode()


def guessed_token(body: bytes) -> bytes:
    """A forger's call: the genuine post with a token of the right shape but not ours."""
    return body.replace(TOKEN.encode(), b"guessedtoken0000000000000a")


def no_header(body: bytes, url: str, now: float) -> dict[str, str]:
    return {}


def post(root: str = "", **props: str) -> dict[str, object]:
    """`GET /api/v4/posts/{post_id}`: the Post object of Mattermost's API reference."""
    return {
        "id": POST,
        "create_at": 1445532266000,
        "update_at": 1445532266000,
        "edit_at": 0,
        "delete_at": 0,
        "is_pinned": False,
        "user_id": "rnina9994bde8mua79zqcg5hmo",
        "channel_id": CHANNEL,
        "root_id": root,
        "original_id": "",
        "message": "some text here",
        "type": "",
        "props": dict(props),
        "hashtags": "",
        "file_ids": ["znana9194bde8mua70zqcg5hmo"],
        "pending_post_id": "",
        "metadata": {},
    }


EXPECT = {
    "external_id": POST,
    "thread_key": f"{CHANNEL}:{POST}",
    "text": "some text here",
    "sender.external_id": "rnina9994bde8mua79zqcg5hmo",
    "sender.name": "somename",
    "metadata.team_domain": "someteam",
    "metadata.channel_name": "town-square",
}


def row(name: str, body: bytes, expect: dict[str, Any], count: int = 1,
        reply: dict[str, object] | None = None, form: bool = False) -> Inbound:  # fmt: skip
    return Inbound(
        name=name,
        body=body,
        sign=no_header,
        sign_body=with_token,
        tamper=guessed_token,
        expect=expect,
        count=count,
        content_type="application/x-www-form-urlencoded" if form else "application/json",
        replies={f"/api/v4/posts/{POST}": reply or post()},
        source=OUTGOING,
    )


CASES = [
    Case(
        slug="mattermost",
        config={
            "server_url": "https://chat.example.com",
            "bot_token": BOT_TOKEN,
            "bot_user_id": BOT_USER,
            "webhook_token": TOKEN,
            "api_base_url": "{base}",
        },
        inbound=[
            row("outgoing_webhook_json", HOOK_JSON, EXPECT),
            row("outgoing_webhook_form", HOOK_FORM, EXPECT, form=True),
            row(
                "reply_in_a_thread",
                HOOK_JSON,
                {**EXPECT, "thread_key": f"{CHANNEL}:{ROOT}", "metadata.root_id": ROOT},
                reply=post(root=ROOT),
            ),
            row(
                "our_bot_post_ignored",
                HOOK_JSON.replace(b"rnina9994bde8mua79zqcg5hmo", BOT_USER.encode()),
                {},
                count=0,
            ),
            row("other_bot_post_ignored", HOOK_JSON, {}, count=0, reply=post(from_bot="true")),
        ],
        send=Send(
            message={
                "text": "Thanks, we are on it.",
                "thread_key": f"{CHANNEL}:{POST}",
                "in_reply_to_external_id": POST,
            },
            method="POST",
            path="/api/v4/posts",
            reply_status=201,
            reply={
                "id": "ucbc9uw3tbgbdxe8t4pppwtbqw",
                "create_at": 1445532300000,
                "update_at": 1445532300000,
                "edit_at": 0,
                "delete_at": 0,
                "is_pinned": False,
                "user_id": BOT_USER,
                "channel_id": CHANNEL,
                "root_id": POST,
                "original_id": "",
                "message": "Thanks, we are on it.",
                "type": "",
                "props": {"from_bot": "true"},
                "hashtags": "",
                "pending_post_id": "",
                "metadata": {},
            },
            json={"channel_id": CHANNEL, "message": "Thanks, we are on it.", "root_id": POST},
            headers={"authorization": f"Bearer {BOT_TOKEN}"},
            external_id="ucbc9uw3tbgbdxe8t4pppwtbqw",
            source=CREATE_POST,
        ),
        replay_window_s=None,  # Mattermost dates nothing it signs: replays are de-duplicated
    )
]
