"""verify_bundle against the TypeScript verifier: every case of fixtures/bundle-vectors.json is a bundle and what
@gatehouse/tlog's verifyBundle reported for it (written by scripts/bundle-python.ts with `npm run openapi`; `npm run
openapi:check` fails when it is stale). The cases are bundles of a log that starts at a later seq, whole and
tampered with, so the two verifiers are shown to agree on every field of the report, sentence for sentence."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest

from gatehouse.verify import BundleReport, verify_bundle

FIXTURE = json.loads((Path(__file__).resolve().parent / "fixtures" / "bundle-vectors.json").read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = FIXTURE["cases"]


def camel(name: str) -> str:
    return re.sub("_([a-z])", lambda match: match.group(1).upper(), name)


def as_typescript(report: BundleReport) -> dict[str, Any]:
    """The report under the TypeScript report's names (``first_seq`` → ``firstSeq``)."""

    def rename(value: Any) -> Any:
        return {camel(key): rename(item) for key, item in value.items()} if isinstance(value, dict) else value

    return {camel(key): rename(value) for key, value in dataclasses.asdict(report).items()}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case["name"])
def test_the_python_verifier_reports_what_the_typescript_one_does(case: dict[str, Any]) -> None:
    options = case["options"]
    report = verify_bundle(
        "".join(f"{line}\n" for line in case["lines"]).encode(),
        keys=options.get("keys"),
        since=options.get("since"),
        allow_unsigned=options.get("allowUnsigned", False),
    )
    assert as_typescript(report) == case["report"]


def test_the_vectors_hold_started_bundles_valid_and_refused() -> None:
    # A regenerated file that lost its point (no started bundle, or none the verifiers refuse) fails here.
    starts = {case["report"]["startSize"] for case in CASES if case["report"]["valid"]}
    assert {5, 7, 8} <= starts
    assert sum(1 for case in CASES if not case["report"]["valid"] and '"type":"start"' in "".join(case["lines"])) >= 20
