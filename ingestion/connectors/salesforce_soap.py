"""Salesforce Outbound Messages: the SOAP `notifications()` call, read safely, and its Ack.

Salesforce posts one SOAP envelope holding up to 100 `Notification`s (each an `Id` and an
`sObject` with the fields chosen in Setup) and retries for 24 hours until it reads
`<Ack>true</Ack>`. The XML is parsed with expat directly so that a document type declaration
(and with it every entity, internal or external: billion laughs, XXE) is refused before
anything is expanded; SOAP 1.1 forbids DTDs in messages anyway.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import NoReturn
from xml.parsers import expat

from store.errors import BadInput

OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
MAX_BODY_BYTES = 5_000_000

ACK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
    "<soapenv:Body>"
    f'<notificationsResponse xmlns="{OUTBOUND_NS}"><Ack>true</Ack></notificationsResponse>'
    "</soapenv:Body></soapenv:Envelope>"
)


@dataclass(frozen=True)
class Notification:
    """One record change: Salesforce's notification id, the sObject type and its fields."""

    id: str
    sobject: str  # "CaseComment", "Case"...
    fields: dict[str, str] = field(default_factory=dict)  # nil fields are absent


@dataclass(frozen=True)
class Notifications:
    organization_id: str
    action_id: str
    items: list[Notification]


def _refuse(*_args: object) -> NoReturn:
    raise BadInput("salesforce: XML with a DTD or entities is refused", code="xml_dtd")


def _clark(name: str) -> str:
    """expat's `uri local` (namespace_separator=" ") as ElementTree's `{uri}local`."""
    uri, _, local = name.rpartition(" ")
    return f"{{{uri}}}{local}" if uri else local


def safe_tree(body: bytes) -> ET.Element:
    """The document's root element; DTDs, entities and malformed XML are `BadInput`."""
    if len(body) > MAX_BODY_BYTES:
        raise BadInput("salesforce: outbound message too large", code="too_large")
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    parser.StartElementHandler = lambda name, attrs: builder.start(
        _clark(name), {_clark(k): v for k, v in attrs.items()}
    )
    parser.EndElementHandler = lambda name: builder.end(_clark(name))
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(body, True)
        return builder.close()
    except (expat.ExpatError, AssertionError, IndexError):
        raise BadInput("salesforce: the body is not well-formed XML", code="invalid_xml") from None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _text(parent: ET.Element, name: str) -> str:
    found = parent.find(f"{{{OUTBOUND_NS}}}{name}")
    return (found.text or "").strip() if found is not None else ""


def _notification(element: ET.Element) -> Notification:
    sobject = element.find(f"{{{OUTBOUND_NS}}}sObject")
    if sobject is None:
        raise BadInput("salesforce: a notification without its sObject", code="no_sobject")
    kind = sobject.get(f"{{{XSI_NS}}}type", "").rpartition(":")[2]
    fields = {
        _local(child.tag): child.text or ""
        for child in sobject
        if child.get(f"{{{XSI_NS}}}nil") != "true"
    }
    return Notification(id=_text(element, "Id"), sobject=kind, fields=fields)


def read(body: bytes) -> Notifications:
    """The `notifications` element of an Outbound Message envelope (`BadInput` otherwise)."""
    root = safe_tree(body)
    found = root.find(f".//{{{OUTBOUND_NS}}}notifications")
    if found is None:
        raise BadInput("salesforce: not an outbound message", code="not_outbound_message")
    items = [_notification(n) for n in found.findall(f"{{{OUTBOUND_NS}}}Notification")]
    return Notifications(
        organization_id=_text(found, "OrganizationId"),
        action_id=_text(found, "ActionId"),
        items=items,
    )
