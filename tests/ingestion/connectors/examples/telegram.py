"""Telegram Bot API: the update examples of Telegram's webhook guide, and a sendMessage reply.

Telegram authenticates a webhook call only by the `X-Telegram-Bot-Api-Secret-Token` header
(the `secret_token` given to setWebhook); it signs neither the body nor a timestamp.
"""

from __future__ import annotations

from tests.ingestion.connectors.cases import Case, Inbound, Send

TOKEN = "123456789:AAEhBP0av28hq3JzDa1xeFlWeHnW2oBFXbY"
SECRET = "switchboard-webhook-secret_0123456789"
UPDATES = "https://core.telegram.org/bots/webhooks#testing-your-bot-with-updates"
SEND_MESSAGE = "https://core.telegram.org/bots/api#sendmessage"


def secret_header(body: bytes, url: str, now: float) -> dict[str, str]:
    """What Telegram sends once setWebhook was given `secret_token`: the token itself."""
    return {"X-Telegram-Bot-Api-Secret-Token": SECRET}


# Verbatim from "More examples in curl" in Telegram's webhook guide.
MESSAGE_WITH_TEXT = b"""{
"update_id":10000,
"message":{
  "date":1441645532,
  "chat":{
     "last_name":"Test Lastname",
     "id":1111111,
     "type": "private",
     "first_name":"Test Firstname",
     "username":"Testusername"
  },
  "message_id":1365,
  "from":{
     "last_name":"Test Lastname",
     "id":1111111,
     "first_name":"Test Firstname",
     "username":"Testusername"
  },
  "text":"/start"
}
}"""

EDITED_MESSAGE = b"""{
"update_id":10000,
"edited_message":{
  "date":1441645532,
  "chat":{
     "last_name":"Test Lastname",
     "type": "private",
     "id":1111111,
     "first_name":"Test Firstname",
     "username":"Testusername"
  },
  "message_id":1365,
  "from":{
     "last_name":"Test Lastname",
     "id":1111111,
     "first_name":"Test Firstname",
     "username":"Testusername"
  },
  "text":"Edited text",
  "edit_date": 1441646600
}
}"""

MESSAGE_WITH_DOCUMENT = b"""{
"update_id":10000,
"message":{
  "date":1441645532,
  "chat":{
     "last_name":"Test Lastname",
     "type": "private",
     "id":1111111,
     "first_name":"Test Firstname",
     "username":"Testusername"
  },
  "message_id":1365,
  "from":{
     "last_name":"Test Lastname",
     "id":1111111,
     "first_name":"Test Firstname",
     "username":"Testusername"
  },
  "document": {
      "file_id": "AwADBAADbXXXXXXXXXXXGBdhD2l6_XX",
      "file_name": "Testfile.pdf",
      "mime_type": "application/pdf",
      "file_size": 536392
  }
}
}"""

INLINE_QUERY = b"""{
"update_id":10000,
"inline_query":{
  "id": 134567890097,
  "from":{
     "last_name":"Test Lastname",
     "type": "private",
     "id":1111111,
     "first_name":"Test Firstname",
     "username":"Testusername"
  },
  "query": "inline query",
  "offset": ""
}
}"""

SENDER = {
    "external_id": "1111111:1365",
    "thread_key": "1111111",
    "sender.external_id": "1111111",
    "sender.name": "Test Firstname Test Lastname",
    "metadata.update_id": 10000,
    "metadata.username": "Testusername",
}


def wrong_secret(body: bytes, url: str, now: float) -> dict[str, str]:
    """What a forger without the secret can send. The shared suite's default forgery (genuine
    headers over a tampered body) does not apply: Telegram's header does not bind the body.
    """
    return {"X-Telegram-Bot-Api-Secret-Token": "guessed-" + SECRET[8:]}


CASES = [
    Case(
        slug="telegram",
        config={"bot_token": TOKEN, "secret_token": SECRET, "api_base_url": "{base}"},
        inbound=[
            Inbound(
                name="message with text",
                body=MESSAGE_WITH_TEXT,
                sign=secret_header,
                expect={**SENDER, "text": "/start", "metadata.chat_type": "private"},
                source=UPDATES,
            ),
            Inbound(
                name="edited message",
                body=EDITED_MESSAGE,
                sign=secret_header,
                expect={
                    **SENDER,
                    "external_id": "1111111:1365:edited:1441646600",
                    "text": "Edited text",
                    "metadata.edited_of": "1111111:1365",
                },
                source=UPDATES,
            ),
            Inbound(
                name="message with a document",
                body=MESSAGE_WITH_DOCUMENT,
                sign=secret_header,
                expect={**SENDER, "text": ""},
                source=UPDATES,
            ),
            Inbound(
                name="inline query (not a message)",
                body=INLINE_QUERY,
                sign=secret_header,
                expect={},
                count=0,
                source=UPDATES,
            ),
        ],
        send=Send(
            message={
                "text": "Your order ships today.",
                "thread_key": "1111111",
                "in_reply_to_external_id": "1111111:1365",
            },
            method="POST",
            path=f"/bot{TOKEN}/sendMessage",
            json={
                "chat_id": 1111111,
                "text": "Your order ships today.",
                "reply_parameters.message_id": 1365,
            },
            # Telegram publishes no literal sendMessage answer: this is its documented envelope
            # ({"ok": true, "result": <the sent Message>}) with the Message fields it documents.
            reply={
                "ok": True,
                "result": {
                    "message_id": 1366,
                    "from": {
                        "id": 123456789,
                        "is_bot": True,
                        "first_name": "Switchboard",
                        "username": "switchboard_bot",
                    },
                    "chat": {
                        "id": 1111111,
                        "first_name": "Test Firstname",
                        "last_name": "Test Lastname",
                        "username": "Testusername",
                        "type": "private",
                    },
                    "date": 1441645600,
                    "text": "Your order ships today.",
                },
            },
            external_id="1111111:1366",
            source=SEND_MESSAGE,
        ),
        replay_window_s=None,  # Telegram sends no timestamp: replays are de-duplicated
        forge=wrong_secret,
    )
]
