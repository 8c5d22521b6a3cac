"""Amazon SES: inbound mail through a receipt rule's SNS action (an HTTPS subscription to our
webhook), replies through SES v2 `SendEmail`.

SNS posts JSON (`Content-Type: text/plain`): a `SubscriptionConfirmation` when the subscription
is made, then one `Notification` per mail whose `Message` is the SES notification
(`notificationType: "Received"`, `mail`, `receipt`, and `content`: the raw MIME, base64 when the
action's encoding is BASE64). Every message's SNS signature is verified for real (aws_sns.py),
its `TopicArn` must be the configured topic, and its signed `Timestamp` must be under
`max_message_age_s` old: AWS documents no window, but an HTTPS subscription's retries stop
within 3,600 s (a hard limit), so the default is that hour plus 5 minutes. A confirmation is
answered by GETting its `SubscribeURL` once it verified, from `parse` (off the event loop's
critical path, with the connection's HTTP client); the webhook then answers 200.

Replies: `POST /v2/email/outbound-emails` with the reply as raw MIME (threading headers and a
stable Message-ID), signed with Signature Version 4 (aws_sigv4.py; botocore is not a dependency).
Without access keys the integration is inbound only and a reply fails with a clear error.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import email.policy
import json
from datetime import UTC, datetime
from typing import Any, Self

import httpx
from pydantic import Field, SecretStr, model_validator

from ingestion.connectors import aws_sigv4, aws_sns
from ingestion.connectors import parsed_mail as pm
from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookRequest,
)
from ingestion.connectors.mime import build_reply
from ingestion.connectors.provider_http import (
    call_json,
    raise_for_provider,
    transport_errors_are_retriable,
)
from ingestion.connectors.signing import check_fresh
from ingestion.contract import InboundMessage
from store.errors import BadInput, Fatal, Unauthorized

P = "amazon_ses"
SNS_TYPES = frozenset({"Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"})
TOPIC_ARN = (
    r"^arn:aws(-cn|-us-gov)?:sns:[a-z]{2}(-gov)?-[a-z]+-\d{1,2}:\d{12}:[A-Za-z0-9_-]{1,256}$"
)


class AmazonSesConfig(ConnectorConfig):
    """The SNS topic the receipt rule publishes to, and the SES identity replies are sent from."""

    topic_arn: str = Field(pattern=TOPIC_ARN, max_length=400, description="the SNS action's topic")
    region: str = Field(
        pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d{1,2}$", description="SES sending region"
    )
    access_key_id: str | None = Field(default=None, pattern=r"^[A-Z0-9]{16,128}$")
    secret_access_key: SecretStr | None = Secret(
        "IAM secret with ses:SendEmail (replies)", default=None, min_length=16, max_length=200
    )
    from_address: str = Field(pattern=pm.ADDRESS, max_length=320, description="a verified identity")
    from_name: str | None = Field(default=None, max_length=200)
    configuration_set: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    max_message_age_s: int = Field(default=3900, ge=300, le=86_400)
    cert_url_base: str | None = Field(
        default=None, max_length=500, description="tests only: where signing certificates live"
    )
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")

    @model_validator(mode="after")
    def _keys_in_pairs(self) -> Self:
        if (self.access_key_id is None) != (self.secret_access_key is None):
            raise ValueError("set both access_key_id and secret_access_key, or neither")
        return self

    def sns_base(self) -> str:
        return self.cert_url_base or aws_sns.sns_base(self.topic_arn)


class AmazonSesConnector:
    """Stateless but for the process's certificate cache."""

    verify_fetches_keys = True  # signing keys or certificates come over HTTP: off the loop

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        config = _config(conn)
        message = _sns_message(request)
        if message.get("TopicArn") != config.topic_arn:
            raise Unauthorized("amazon_ses: the message is for another topic")
        aws_sns.verify_message(message, cert_base=config.sns_base())
        check_fresh(P, aws_sns.timestamp(message), config.max_message_age_s)

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        message = _sns_message(request)
        if message["Type"] == "SubscriptionConfirmation":
            await _confirm(conn, str(message.get("SubscribeURL") or ""))
            return []
        if message["Type"] != "Notification":
            return []
        try:
            notice = json.loads(str(message.get("Message") or ""))
        except ValueError:
            return []  # a plain-text publish to the topic (a test message): not mail
        if not isinstance(notice, dict) or notice.get("notificationType") != "Received":
            return []
        found = _mail(conn, notice)
        return [] if pm.is_echo(found.sender, _config(conn).from_address) else [found]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        config = _config(conn)
        if config.access_key_id is None or config.secret_access_key is None:
            raise BadInput("amazon_ses: set access keys to send replies", code="no_credentials")
        reply = pm.reply_to(message, config.from_address)
        addressed = dataclasses.replace(message, to=[{"email": a, "name": n} for a, n in reply.to])
        mime = build_reply(addressed, from_address=config.from_address, from_name=config.from_name)
        body: dict[str, Any] = {
            "FromEmailAddress": pm.sender_header(config.from_address, config.from_name),
            "Destination": {"ToAddresses": [a for a, _ in reply.to]},
            "Content": {
                "Raw": {"Data": base64.b64encode(mime.as_bytes(policy=email.policy.SMTP)).decode()}
            },
        }
        if config.configuration_set:
            body["ConfigurationSetName"] = config.configuration_set
        keys = (config.access_key_id, config.secret_access_key.get_secret_value())
        answer = await _signed(conn, "/v2/email/outbound-emails", body, keys)
        return SendResult(
            external_id=str(answer.get("MessageId") or reply.message_id),
            thread_key=message.thread_key,
            message_id_header=str(mime["Message-ID"]),
            sent_at=datetime.now(UTC),
        )


def _sns_message(request: WebhookRequest) -> dict[str, Any]:
    try:
        message = json.loads(request.body or b"null")
    except ValueError:
        message = None
    if not isinstance(message, dict) or message.get("Type") not in SNS_TYPES:
        raise Unauthorized("amazon_ses: not an SNS message")
    return message


async def _confirm(conn: Connection, url: str) -> None:
    if not aws_sns.under(url, _config(conn).sns_base()):
        raise BadInput("amazon_ses: the SubscribeURL is not an SNS URL", code="bad_subscribe_url")
    try:
        response = await conn.client().get(url)  # SNS answers XML: only the status matters
    except httpx.TransportError as exc:
        raise await transport_errors_are_retriable(P, exc) from exc
    raise_for_provider(response, P)


def _mail(conn: Connection, notice: dict[str, Any]) -> InboundMessage:
    mail, receipt = notice.get("mail") or {}, notice.get("receipt") or {}
    content = notice.get("content")
    if not isinstance(content, str) or not content:
        raise BadInput("amazon_ses: no content: use an SNS action (BASE64)", code="no_content")
    encoding = str((receipt.get("action") or {}).get("encoding") or "UTF8").upper()
    try:
        raw = base64.b64decode(content, validate=True) if encoding == "BASE64" else content.encode()
    except binascii.Error:
        raise BadInput("amazon_ses: the content is not base64", code="bad_content") from None
    ses_id = str(mail.get("messageId") or pm.stable_id(content))
    found = pm.from_mime(conn, raw, fallback_id=f"ses:{ses_id}", raw_ref=f"ses:{ses_id}")
    verdicts = {
        name: str((receipt.get(f"{name}Verdict") or {}).get("status") or "")
        for name in ("spam", "virus", "spf", "dkim", "dmarc")
    }
    return found.model_copy(
        update={"metadata": {**found.metadata, "ses_message_id": ses_id, "verdicts": verdicts}}
    )


async def _signed(
    conn: Connection, path: str, body: dict[str, Any], keys: tuple[str, str]
) -> dict[str, Any]:
    config = _config(conn)
    url = (config.api_base_url or f"https://email.{config.region}.amazonaws.com").rstrip("/") + path
    data = json.dumps(body, separators=(",", ":")).encode()
    headers = aws_sigv4.sign(
        "POST",
        url,
        {"Content-Type": "application/json"},
        data,
        access_key=keys[0],
        secret_key=keys[1],
        region=config.region,
        service="ses",
        now=datetime.now(UTC),
    )
    answer = await call_json(conn.client(), P, "POST", url, content=data, headers=headers)
    return answer if isinstance(answer, dict) else {}


def _config(conn: Connection) -> AmazonSesConfig:
    if not isinstance(conn.config, AmazonSesConfig):
        raise Fatal("amazon_ses: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="amazon_ses",
    name="Amazon SES",
    kind="email",
    auth_type="api_key",
    config_model=AmazonSesConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description=(
        "Amazon SES receiving through an SNS action (SNS signatures verified, topic pinned); "
        "replies through SES v2 SendEmail signed with SigV4 (inbound only without access keys)."
    ),
    factory=AmazonSesConnector,
)
