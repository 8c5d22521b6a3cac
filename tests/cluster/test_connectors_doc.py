"""The catalogue page in docs/ is generated from the registry and kept in step with it."""

from __future__ import annotations

from cluster.connectors_doc import main, render
from ingestion.connectors.registry import REGISTRY


def test_the_catalogue_page_is_up_to_date() -> None:
    assert main(["--check"]) == 0, "run: .venv/bin/python -m cluster.connectors_doc"


def test_every_connector_is_listed_with_a_documentation_page() -> None:
    text = render()
    for slug in REGISTRY:
        line = next(line for line in text.splitlines() if f"| `{slug}` |" in line)
        assert "](" in line, f"{slug} has no documentation page"
