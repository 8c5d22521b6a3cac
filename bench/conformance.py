"""Connector conformance figures: how many connectors the catalogue holds and how many pass the
shared suite (spec checks, the documented-examples table, and every row through the real
webhook route), per connector and in total.

    .venv/bin/python bench/conformance.py

Runs pytest on the suite's files with a JUnit report and groups the results by connector.
Needs the test services (PostgreSQL, Redis, NATS) as `make test` does. Prints; asserts nothing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingestion.connectors.base import Capability  # noqa: E402
from ingestion.connectors.registry import catalogue  # noqa: E402

SUITE = [
    "tests/ingestion/connectors/test_conformance.py",
    "tests/ingestion/connectors/test_documented_examples.py",
    "tests/api/test_connector_webhooks.py",
]


def slug_of(name: str) -> str | None:
    found = re.search(r"\[([^\]]+)\]", name)
    return re.split(r"[:\-]", found.group(1))[0] if found else None


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "suite.xml"
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        args = [sys.executable, "-m", "pytest", *SUITE, "-q", "-p", "no:cacheprovider",
                "--no-cov", f"--junitxml={report}"]  # fmt: skip
        subprocess.run(args, cwd=ROOT, env=env, capture_output=True, check=False)
        root = ET.parse(report).getroot()
    passed: dict[str, int] = defaultdict(int)
    failed: dict[str, list[str]] = defaultdict(list)
    for case in root.iter("testcase"):
        slug = slug_of(case.get("name", ""))
        if slug is None:
            continue
        if case.find("failure") is not None or case.find("error") is not None:
            failed[slug].append(case.get("name", ""))
        elif case.find("skipped") is None:
            passed[slug] += 1
    specs = catalogue()
    context = [s for s in specs if Capability.CONTEXT in s.capabilities]
    print(f"catalogue: {len(specs)} connectors ({len(context)} context sources)")
    print(f"{'connector':26} {'kind':10} checks  result")
    clean = 0
    for spec in specs:
        bad = failed.get(spec.slug, [])
        clean += not bad and passed.get(spec.slug, 0) > 0
        state = "pass" if not bad else f"FAIL {len(bad)}"
        print(f"{spec.slug:26} {spec.kind:10} {passed.get(spec.slug, 0):6}  {state}")
    total = sum(passed.values())
    print(f"conformance: {clean}/{len(specs)} connectors pass every check "
          f"({total} checks passed, {sum(map(len, failed.values()))} failed)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
