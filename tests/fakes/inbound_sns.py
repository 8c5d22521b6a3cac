"""A stand-in for Amazon SNS's HTTP(S) side: a self-signed signing certificate served at a `.pem`
URL, messages signed the way AWS documents (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA
over the canonical `Name\\nValue\\n` string), and the SubscribeURL confirmations it receives.

The canonical string is built here independently of ingestion/connectors/aws_sns.py.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

CERT_PATH = "/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem"
SIGNED = {
    "Notification": ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"],
    "SubscriptionConfirmation": [
        "Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type",
    ],
}  # fmt: skip


def _certificate(key: rsa.RSAPrivateKey, days: int) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.us-east-1.amazonaws.com")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


@dataclass
class SnsFake:
    """Serves the certificate and records confirmations; `sign` completes a message."""

    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    cert_days: int = 365
    confirmed: list[str] = field(default_factory=list)
    cert_fetches: int = 0
    base: str = ""

    def app(self) -> Starlette:
        pem = _certificate(self.key, self.cert_days)

        async def cert(request: Request) -> Response:
            self.cert_fetches += 1
            return Response(pem, media_type="application/x-pem-file")

        async def confirm(request: Request) -> Response:
            self.confirmed.append(str(request.url))
            xml = "<ConfirmSubscriptionResponse><ConfirmSubscriptionResult><SubscriptionArn>x"
            return Response(
                xml
                + "</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>",
                media_type="text/xml",
            )

        return Starlette(routes=[Route(CERT_PATH, cert), Route("/", confirm)])

    def sign(
        self, message: dict[str, Any], version: str = "1", key: rsa.RSAPrivateKey | None = None
    ) -> bytes:
        """The JSON body SNS would post, signed by this fake's (or another) key."""
        signed = {**message, "SignatureVersion": version, "SigningCertURL": self.base + CERT_PATH}
        text = "".join(
            f"{name}\n{signed[name]}\n" for name in SIGNED[signed["Type"]] if name in signed
        )
        digest = hashes.SHA1() if version == "1" else hashes.SHA256()
        signature = (key or self.key).sign(text.encode(), padding.PKCS1v15(), digest)
        signed["Signature"] = base64.b64encode(signature).decode()
        return json.dumps(signed, indent=2).encode()
