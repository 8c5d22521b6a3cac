"""A fake Salesforce org: the REST API shapes Service Cloud cases use, plus Outbound Messages.

Bearer tokens are checked for real against the mounted OAuth server (`/services/oauth2/token`),
so an ended session answers 401 `INVALID_SESSION_ID` until the connector refreshes. Records
carry Salesforce's field names and 18-character ids; `query` understands the few SOQL filters
the connector's poller writes (and the Organization query of its health check).
`outbound_message` renders the SOAP `notifications()` call the outbound messaging WSDL defines.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.oauth_server import OAuthServer

ORG_ID = "00D5e000000KQ2eEAG"
AGENT_ID = "0055e000001AgEnTAA"  # the integration user replies are posted as
STAFF_ID = "0055e000001StAfFAA"  # another internal (Standard) user
PORTAL_ID = "0055e000002PoRtLAA"  # a customer's Experience Cloud user
CONTACT_ID = "0035e00000CoNtAcAA"
API = "/services/data/v61.0"
USER_TYPES = {AGENT_ID: "Standard", STAFF_ID: "Standard", PORTAL_ID: "PowerCustomerSuccess"}


def sf_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _errors(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse([{"message": message, "errorCode": code}], status_code=status)


@dataclass
class SalesforceFake:
    """Cases, their comments, and every REST request received (method, path, query)."""

    oauth: OAuthServer = field(default_factory=OAuthServer)
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    comments: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail_next: list[tuple[int, str]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    _n: int = 0

    def new_id(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n:012d}AAA"

    def add_case(self, subject: str, description: str, *, case_id: str | None = None,
                 email: str = "casey@example.com") -> str:  # fmt: skip
        case_id = case_id or self.new_id("500")
        self.cases[case_id] = {
            "Id": case_id, "CaseNumber": f"{1000 + len(self.cases):08d}", "Subject": subject,
            "Description": description, "ContactId": CONTACT_ID, "ContactEmail": email,
            "ContactPhone": None, "SuppliedEmail": None, "SuppliedName": "Casey Customer",
            "SuppliedPhone": None, "CreatedById": PORTAL_ID, "CreatedDate": sf_time(time.time()),
        }  # fmt: skip
        return case_id

    def add_comment(self, case_id: str, body: str, *, by: str = PORTAL_ID,
                    published: bool = True, at: float | None = None,
                    comment_id: str | None = None) -> dict[str, Any]:  # fmt: skip
        comment = {
            "Id": comment_id or self.new_id("00a"), "ParentId": case_id, "CommentBody": body,
            "IsPublished": published, "CreatedById": by,
            "CreatedDate": sf_time(time.time() if at is None else at),
        }  # fmt: skip
        self.comments[comment["Id"]] = comment
        return comment

    def app(self) -> FastAPI:
        app = FastAPI()
        app.include_router(self.oauth.router("/services/oauth2/token"))
        app.middleware("http")(self._gate)
        app.get(API + "/sobjects/{sobject}/{record_id}")(self._record)
        app.post(API + "/sobjects/CaseComment")(self._create_comment)
        app.get(API + "/query")(self._query)
        return app

    async def _gate(self, request: Request, call_next: Any) -> Any:
        if not request.url.path.startswith("/services/data/"):
            return await call_next(request)
        self.requests.append((request.method, request.url.path, dict(request.query_params)))
        if self.fail_next:
            status, code = self.fail_next.pop(0)
            return _errors(status, code, "failure")
        if not self.oauth.bearer_ok(request.headers.get("authorization")):
            return _errors(401, "INVALID_SESSION_ID", "Session expired or invalid")
        return await call_next(request)

    async def _record(self, sobject: str, record_id: str, request: Request) -> JSONResponse:
        table = {"Case": self.cases, "CaseComment": self.comments}.get(sobject, {})
        record = table.get(record_id)
        if record is None:
            return _errors(404, "NOT_FOUND", "The requested resource does not exist")
        wanted = request.query_params.get("fields", "").split(",")
        body = {k: v for k, v in record.items() if k in wanted or k == "Id"}
        url = f"{API}/sobjects/{sobject}/{record_id}"
        return JSONResponse({"attributes": {"type": sobject, "url": url}, **body})

    async def _create_comment(self, request: Request) -> JSONResponse:
        given = await request.json()
        if given.get("ParentId") not in self.cases:
            return _errors(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
        if len(str(given.get("CommentBody", "")).encode()) > 4000:
            return _errors(400, "STRING_TOO_LONG", "Body: data value too large")
        comment = self.add_comment(given["ParentId"], given["CommentBody"], by=AGENT_ID,
                                   published=bool(given.get("IsPublished")))  # fmt: skip
        return JSONResponse({"id": comment["Id"], "success": True, "errors": []}, 201)

    async def _query(self, request: Request) -> JSONResponse:
        soql = request.query_params.get("q", "")
        if "FROM Organization" in soql:
            records = [{"attributes": {"type": "Organization"}, "Id": ORG_ID, "Name": "Acme"}]
        else:
            records = [self._row(c) for c in self._matching(soql)]
        return JSONResponse({"totalSize": len(records), "done": True, "records": records})

    def _matching(self, soql: str) -> list[dict[str, Any]]:
        since = re.search(r"CreatedDate >= (\S+)", soql)
        seen = re.search(r"Id NOT IN \(([^)]*)\)", soql)
        skipped = set(re.findall(r"'(\w+)'", seen.group(1))) if seen else set()
        agent = re.search(r"CreatedById != '(\w+)'", soql)
        limit = int(re.search(r"LIMIT (\d+)", soql).group(1))  # type: ignore[union-attr]
        start = datetime.fromisoformat(since.group(1).replace("Z", "+00:00")) if since else None
        found = [
            c for c in self.comments.values()
            if c["IsPublished"] and c["Id"] not in skipped
            and (start is None or datetime.fromisoformat(c["CreatedDate"]) >= start)
            and (agent is None or c["CreatedById"] != agent.group(1))
            and not ("UserType != 'Standard'" in soql
                     and USER_TYPES.get(c["CreatedById"]) == "Standard")
        ]  # fmt: skip
        return sorted(found, key=lambda c: (c["CreatedDate"], c["Id"]))[:limit]

    def _row(self, comment: dict[str, Any]) -> dict[str, Any]:
        case = self.cases[comment["ParentId"]]
        parent_fields = ("Subject", "CaseNumber", "ContactId", "ContactEmail", "ContactPhone",
                         "SuppliedEmail", "SuppliedName", "SuppliedPhone")  # fmt: skip
        parent = {"attributes": {"type": "Case"}, **{k: case[k] for k in parent_fields}}
        return {"attributes": {"type": "CaseComment"}, **comment, "Parent": parent}


def _xml_value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else escape(str(value))


def outbound_message(org_id: str, notifications: list[tuple[str, str, dict[str, Any]]],
                     *, action_id: str = "04k5e000000CaRkAAK") -> bytes:  # fmt: skip
    """A `notifications()` SOAP call: (notification id, sObject type, fields) per notification;
    a None field is sent as `xsi:nil`, as Salesforce does for empty fields."""
    items = "".join(
        f"<Notification><Id>{nid}</Id>"
        f'<sObject xsi:type="sf:{kind}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
        + "".join(
            f'<sf:{k} xsi:nil="true"/>' if v is None else f"<sf:{k}>{_xml_value(v)}</sf:{k}>"
            for k, v in fields.items()
        )
        + "</sObject></Notification>"
        for nid, kind, fields in notifications
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
        '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
        f"<OrganizationId>{org_id}</OrganizationId><ActionId>{action_id}</ActionId>"
        '<SessionId xsi:nil="true"/>'
        "<EnterpriseUrl>https://acme.my.salesforce.com/services/Soap/c/61.0/00D5e000000KQ2e"
        "</EnterpriseUrl>"
        "<PartnerUrl>https://acme.my.salesforce.com/services/Soap/u/61.0/00D5e000000KQ2e"
        "</PartnerUrl>"
        f"{items}</notifications></soapenv:Body></soapenv:Envelope>"
    ).encode()
