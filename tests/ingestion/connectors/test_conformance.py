"""Every registered connector passes the shared conformance checks."""

from __future__ import annotations

import pytest

from ingestion.connectors.registry import REGISTRY
from tests.ingestion.connectors.conformance import check_implementation, check_spec

SLUGS = sorted(REGISTRY)


@pytest.mark.parametrize("slug", SLUGS)
def test_spec_is_well_formed(slug: str) -> None:
    assert check_spec(REGISTRY[slug])


@pytest.mark.parametrize("slug", SLUGS)
def test_declared_capabilities_are_implemented(slug: str) -> None:
    assert check_implementation(REGISTRY[slug])


def test_the_issue_four_connectors_are_registered() -> None:
    assert {"api", "imap", "gmail", "outlook", "yahoo", "zendesk", "intercom"} <= set(REGISTRY)
