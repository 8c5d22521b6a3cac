"""Typeform: contact-form submissions in, as messages (signed webhooks). Inbound only.

Typeform signs each delivery with `Typeform-Signature: sha256=<base64 HMAC-SHA256(secret, raw
body)>` when the webhook has a secret (required here); it dates nothing, so a redelivery is
absorbed by de-duplication on `external_id`, the response's `token`.

A `form_response` becomes one message. Which answers are the customer's email, name and message
is configured by field `ref`; by default the email is the first `email` answer and the message
the first `long_text` answer (else every answer, one per line, so nothing is lost). The form's
title is the subject; all answers, hidden fields and the score are kept in metadata.

There is nothing to reply to on Typeform: answers go out by email, from one of the organization's
email integrations, to the address the form collected.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr

from ingestion.connectors import helpdesk_kit as hd
from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import Connection, WebhookRequest
from ingestion.connectors.signing import check_hmac, secret_bytes
from ingestion.contract import InboundMessage

P = "typeform"
REF = r"^[A-Za-z0-9_-]{1,100}$"


class TypeformConfig(ConnectorConfig):
    """The webhook's secret, and which form fields hold the contact's email, name and message."""

    webhook_secret: SecretStr = Secret("the webhook's secret", min_length=16)
    email_ref: str | None = Field(default=None, pattern=REF, description="default: first email")
    name_ref: str | None = Field(default=None, pattern=REF, description="the name field's ref")
    message_ref: str | None = Field(
        default=None, pattern=REF, description="default: first long text answer"
    )


class TypeformConnector:
    """Stateless and inbound only: replies go out through an email integration."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        check_hmac(
            P,
            key=secret_bytes(_config(conn).webhook_secret, P),
            message=request.body,
            given=request.header("typeform-signature"),
            encoding="base64",
            prefix="sha256=",
            header="Typeform-Signature",
        )

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        event = hd.object_of(request.json(), P)
        if event.get("event_type") != "form_response":
            return []  # partial responses and anything Typeform adds later
        response = event.get("form_response") or {}
        token = hd.require_id(response.get("token"), P, "response token", "token")
        answers = _answers(response)
        config = _config(conn)
        email = _value(_pick(answers, config.email_ref, "email"))
        email = email if "@" in email else ""  # a misconfigured ref must not become an address
        name = _value(_pick(answers, config.name_ref, None))
        message = _pick(answers, config.message_ref, "long_text")
        titles = _titles(response)
        return [
            hd.message(
                conn,
                external_id=token,
                thread_key=f"typeform:{token}",
                sender=hd.party(external_id=email or f"typeform:{token}", email=email, name=name),
                text=_value(message) if message else _summary(answers, titles),
                subject=(response.get("definition") or {}).get("title"),
                received_at=response.get("submitted_at"),
                raw_ref=f"typeform:{response.get('form_id')}/{token}",
                metadata=_metadata(event, response, answers),
            )
        ]


def _pick(answers: list[dict[str, Any]], ref: str | None, field_type: str | None) -> Any:
    """The answer to the field `ref`, else the first answer of `field_type` (None: no default)."""
    if not (ref or field_type):
        return None
    key, wanted = ("ref", ref) if ref else ("type", field_type)
    return next((a for a in answers if (a.get("field") or {}).get(key) == wanted), None)


def _answers(response: dict[str, Any]) -> list[dict[str, Any]]:
    """The answers, each field given its `ref` from the form definition when the answer omits it
    (Typeform's own example answers name only the field id and type)."""
    fields = (response.get("definition") or {}).get("fields") or []
    refs = {f.get("id"): f.get("ref") for f in fields if isinstance(f, dict)}
    found = []
    for answer in response.get("answers") or []:
        if isinstance(answer, dict):
            field = dict(answer.get("field") or {})
            field.setdefault("ref", refs.get(field.get("id")))
            found.append({**answer, "field": field})
    return found


def _value(answer: dict[str, Any] | None) -> str:
    """An answer's value as text, whatever its type (`text`, `email`, `choice`, `number`...)."""
    if not answer:
        return ""
    value = answer.get(str(answer.get("type") or ""))
    if isinstance(value, dict):
        value = value.get("label") or value.get("labels") or value.get("other")
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _titles(response: dict[str, Any]) -> dict[str, str]:
    fields = (response.get("definition") or {}).get("fields") or []
    return {str(f.get("id")): str(f.get("title") or "") for f in fields if isinstance(f, dict)}


def _summary(answers: list[dict[str, Any]], titles: dict[str, str]) -> str:
    """Every answer as `question: answer`, for forms without a long text field."""
    lines = []
    for answer in answers:
        field = answer.get("field") or {}
        label = titles.get(str(field.get("id"))) or field.get("ref") or "answer"
        lines.append(f"{label}: {_value(answer)}")
    return "\n".join(lines)


def _metadata(event: dict[str, Any], response: dict[str, Any],
              answers: list[dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
    by_ref = {
        str((a.get("field") or {}).get("ref") or (a.get("field") or {}).get("id")): _value(a)
        for a in answers
    }
    return {
        "event_id": event.get("event_id"),
        "form_id": response.get("form_id"),
        "answers": by_ref,
        "hidden": response.get("hidden") or {},
        "score": (response.get("calculated") or {}).get("score"),
    }


def _config(conn: Connection) -> TypeformConfig:
    return hd.config_of(conn, TypeformConfig, P)


SPEC = ConnectorSpec(
    slug="typeform",
    name="Typeform",
    kind="api",
    auth_type="hmac",
    config_model=TypeformConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK}),
    description=(
        "Typeform contact forms: submissions in as messages (signed webhooks). Inbound only: "
        "replies go out by email from the organization's email integrations."
    ),
    factory=TypeformConnector,
)
