"""Salesforce Service Cloud: a public case comment through the REST API, and the Outbound Message
the outbound messaging WSDL documents.

Salesforce signs nothing: a call is told from a forger's by the `?token=` we put in the endpoint
URL (a "?" signer entry, see cases.py) and the OrganizationId in the body. The comment names
only its case, so parse() reads the case's contact (the documented sObject GET response).
"""

from __future__ import annotations

from tests.ingestion.connectors.cases import Case, Inbound, Send

ORG_ID = "00D5e000000KQ2eEAG"
CASE_ID = "5005e00000Ab1CdAAJ"
COMMENT_ID = "00a5e00000Kx9QzAAJ"
NOTIFICATION_ID = "04l5e00000Gx7QzAAJ"
ACCESS_TOKEN = (
    "00D5e000000KQ2e!AQ0AQH0dMHZfz972Szmpkb58urFRkgeBGsxL_QJWwYMfAbUeeG7c1E6LYUfiDUkWe6H34r1A"
    "AwOR8B8fLEz6n04NPGRrq0FM"
)
OUTBOUND_TOKEN = "d1b8f6d2c0a94e3b8f7a6c5d4e3f2a1b"

# Shape: https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_om_outboundmessaging_wsdl.htm
# (the notifications() call: OrganizationId, ActionId, SessionId, EnterpriseUrl, PartnerUrl, then
# up to 100 Notification elements, each an Id and an sObject with the fields chosen in Setup).
OUTBOUND_MESSAGE = f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns:xsd="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>{ORG_ID}</OrganizationId>
   <ActionId>04k5e000000CaRkAAK</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://acme.my.salesforce.com/services/Soap/c/61.0/00D5e000000KQ2e</EnterpriseUrl>
   <PartnerUrl>https://acme.my.salesforce.com/services/Soap/u/61.0/00D5e000000KQ2e</PartnerUrl>
   <Notification>
    <Id>{NOTIFICATION_ID}</Id>
    <sObject xsi:type="sf:CaseComment" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     <sf:Id>{COMMENT_ID}</sf:Id>
     <sf:CommentBody>The replacement arrived broken too. Can you refund me?</sf:CommentBody>
     <sf:CreatedById>0055e000002PoRtLAA</sf:CreatedById>
     <sf:CreatedDate>2024-05-14T09:21:07.000Z</sf:CreatedDate>
     <sf:IsPublished>true</sf:IsPublished>
     <sf:ParentId>{CASE_ID}</sf:ParentId>
    </sObject>
   </Notification>
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>
""".encode()

CASE_RECORD = {
    "attributes": {"type": "Case", "url": f"/services/data/v61.0/sobjects/Case/{CASE_ID}"},
    "Id": CASE_ID,
    "CaseNumber": "00001026",
    "Subject": "Broken replacement",
    "ContactId": "0035e00000Bx1TqAAJ",
    "ContactEmail": "casey@example.com",
    "ContactPhone": None,
    "SuppliedEmail": None,
    "SuppliedName": "Casey Customer",
    "SuppliedPhone": None,
}


def with_token(body: bytes, url: str, now: float) -> dict[str, str]:
    return {"?token": OUTBOUND_TOKEN}


def wrong_token(body: bytes, url: str, now: float) -> dict[str, str]:
    return {"?token": "a-guessed-token-0123456789"}


CASES = [
    Case(
        slug="salesforce",
        config={
            "instance_url": "https://acme.my.salesforce.com",
            "organization_id": ORG_ID,
            "outbound_token": OUTBOUND_TOKEN,
            "client_id": "3MVG9IHf89I1t8hrvswazsWedXWY0i1qK20PSFaInvUgLFB6vrcb9bbWFTSIHpO8G2jx",
            "client_secret": "F1E2D3C4B5A6F1E2D3C4B5A6F1E2D3C4B5A6F1E2D3C4B5A6F1E2D3C4B5",
            "access_token": ACCESS_TOKEN,
            "token_expires_at": 4102444800,  # no refresh token: a 401 is final (reconnect)
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="case_comment_outbound_message",
                body=OUTBOUND_MESSAGE,
                sign=with_token,
                content_type="text/xml; charset=utf-8",
                expect={
                    "external_id": COMMENT_ID,
                    "thread_key": CASE_ID,
                    "text": "The replacement arrived broken too. Can you refund me?",
                    "sender.email": "casey@example.com",
                    "subject": "Broken replacement",
                },
                replies={f"/services/data/v61.0/sobjects/Case/{CASE_ID}": CASE_RECORD},
                source="https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_om_outboundmessaging_wsdl.htm",
            )
        ],
        forge=wrong_token,
        send=Send(
            message={"text": "We have issued the refund.", "thread_key": CASE_ID},
            method="POST",
            path="/services/data/v61.0/sobjects/CaseComment",
            reply={"id": "00a5e00000Kx9R0AAJ", "errors": [], "success": True},
            reply_status=201,
            json={
                "ParentId": CASE_ID,
                "CommentBody": "We have issued the refund.",
                "IsPublished": True,
            },
            headers={"authorization": f"Bearer {ACCESS_TOKEN}"},
            external_id="00a5e00000Kx9R0AAJ",
            source="https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_create.htm",
        ),
    )
]
