"""A fake Meta Graph API (WhatsApp Cloud API and the Messenger Send API) plus signed webhooks.

Bearer tokens are checked for real (a wrong one answers Meta's OAuthException, code 190); the
WhatsApp sender enforces the 24-hour window as Meta does (a text to a customer in
`closed_windows` answers error 131047); `fail_next` queues Graph error bodies. Webhook builders
follow the documented `whatsapp_business_account` and `page` / `instagram` envelopes.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

APP_SECRET = "meta-app-secret-for-tests"
VERIFY_TOKEN = "meta-verify-token-for-tests"
WA_TOKEN = "EAAJB-whatsapp-token-for-tests"
PAGE_TOKEN = "EAAG-page-token-for-tests"
PHONE_NUMBER_ID = "106540352242922"
PAGE_ID = "682498302938465"
VERSION = "v21.0"


def graph_error(status: int, code: int, message: str, subcode: int | None = None) -> JSONResponse:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    return JSONResponse({"error": {**error, "fbtrace_id": "AbCdEf123"}}, status_code=status)


@dataclass
class GraphFake:
    """Sent messages (path, JSON body) in order; failures to answer next."""

    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    closed_windows: set[str] = field(default_factory=set)
    fail_next: list[JSONResponse] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def app(self) -> FastAPI:
        app = FastAPI()
        app.middleware("http")(self._gate)
        app.post("/{version}/me/messages")(self._page_send)
        app.get("/{version}/me")(self._page)
        app.post("/{version}/{phone_number_id}/messages")(self._whatsapp_send)
        app.get("/{version}/{phone_number_id}")(self._phone_number)
        return app

    async def _gate(self, request: Request, call_next: Any) -> Any:
        if self.fail_next:
            return self.fail_next.pop(0)
        if request.headers.get("authorization") not in {
            f"Bearer {WA_TOKEN}",
            f"Bearer {PAGE_TOKEN}",
        }:
            return graph_error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        return await call_next(request)

    async def _whatsapp_send(self, phone_number_id: str, request: Request) -> JSONResponse:
        body = await request.json()
        if phone_number_id != PHONE_NUMBER_ID or body.get("messaging_product") != "whatsapp":
            return graph_error(400, 100, "Invalid parameter")
        to = str(body.get("to") or "")
        if body.get("type") == "text" and to in self.closed_windows:
            return graph_error(400, 131047, "Re-engagement message")
        self.sent.append((request.url.path, body))
        wamid = f"wamid.fake{next(self._ids):06d}"
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": wamid}],
            }
        )

    async def _page_send(self, request: Request) -> JSONResponse:
        body = await request.json()
        recipient = str((body.get("recipient") or {}).get("id") or "")
        if not recipient or not (body.get("message") or {}).get("text"):
            return graph_error(400, 100, "Invalid parameter")
        self.sent.append((request.url.path, body))
        return JSONResponse({"recipient_id": recipient, "message_id": f"m_fake{next(self._ids)}"})

    async def _page(self) -> JSONResponse:
        return JSONResponse({"id": PAGE_ID, "name": "Acme Shop"})

    async def _phone_number(self, phone_number_id: str) -> JSONResponse:
        if phone_number_id != PHONE_NUMBER_ID:
            return graph_error(400, 100, "Unsupported get request", subcode=33)
        return JSONResponse(
            {"verified_name": "Acme", "display_phone_number": "15550783881", "id": PHONE_NUMBER_ID}
        )


def signed_headers(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    """Meta's X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"x-hub-signature-256": f"sha256={digest}", "content-type": "application/json"}


def wa_text(wamid: str, wa_id: str, text: str, timestamp: int = 1749416383) -> dict[str, Any]:
    return {
        "from": wa_id,
        "id": wamid,
        "timestamp": str(timestamp),
        "type": "text",
        "text": {"body": text},
    }


def whatsapp_webhook(
    messages: list[dict[str, Any]] | None = None,
    statuses: list[dict[str, Any]] | None = None,
    *,
    names: dict[str, str] | None = None,
    phone_number_id: str = PHONE_NUMBER_ID,
) -> dict[str, Any]:
    """One `whatsapp_business_account` webhook holding one `messages` change."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_number_id},
    }
    if names:
        value["contacts"] = [{"profile": {"name": n}, "wa_id": w} for w, n in names.items()]
    if messages:
        value["messages"] = messages
    if statuses:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }


def page_event(psid: str, **event: Any) -> dict[str, Any]:
    return {
        "sender": {"id": psid},
        "recipient": {"id": PAGE_ID},
        "timestamp": 1458692752478,
        **event,
    }


def page_webhook(*entries: list[dict[str, Any]], obj: str = "page") -> dict[str, Any]:
    """One entry per list of `messaging` events (Meta may batch several entries)."""
    return {
        "object": obj,
        "entry": [
            {"id": PAGE_ID, "time": 1458692752478, "messaging": events} for events in entries
        ],
    }


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()
