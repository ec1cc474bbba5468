"""The audit log from Python: proofs checked here, the server's verification, and an export verified
offline with ``gatehouse.verify.verify_bundle`` (a tampered copy refused, naming its first bad line)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Org
from shape import assert_shape

from gatehouse import AsyncGatehouse, Gatehouse, GatehouseError
from gatehouse.verify import verify_bundle


def test_a_proof_is_checked_here_against_the_orgs_keys_or_yours(org: Org) -> None:
    with Gatehouse(org.agent_key, base_url=org.server.api) as gh:
        executed = gh.execute("doc.read")
        checkpoint = gh.audit.checkpoint()
        assert_shape(checkpoint, "Checkpoint")
        keys = [key["vkey"] for key in gh.audit.keys()["keys"]]
        proof = gh.audit.proof(entry_id=executed["auditEventId"], tree_size=checkpoint["treeSize"])
        assert (proof.verified, proof.problem, proof.keys_from) == (True, None, "server")
        assert_shape(proof.proof, "AuditProof")
        pinned = gh.audit.proof(entry_id=executed["auditEventId"], keys=keys)
        assert (pinned.verified, pinned.keys_from) == (True, "options")
        # A key of another log verifies nothing: the proof is refused, not trusted.
        other = Gatehouse(org.server.org().agent_key, base_url=org.server.api)
        foreign = [key["vkey"] for key in other.audit.keys()["keys"]]
        refused = gh.audit.proof(entry_id=executed["auditEventId"], keys=foreign)
        assert refused.verified is False and "no signature by a known key" in (refused.problem or "")
        with pytest.raises(GatehouseError) as bad_key:
            gh.audit.proof(seq=0, keys=["not-a-key"])
        assert bad_key.value.code == "INVALID_OPTION"


async def test_consistency_since_a_saved_checkpoint(org: Org) -> None:
    async with AsyncGatehouse(org.agent_key, base_url=org.server.api) as gh:
        await gh.execute("doc.read")
        saved = (await gh.audit.checkpoint())["note"]
        await gh.execute("pr.open")
        await gh.audit.checkpoint()
        grown = await gh.audit.consistency(since=saved)
        assert (grown.verified, grown.problem) == (True, None)
        verification = await gh.verify()
        assert_shape(verification, "AuditVerification")
        assert verification["valid"] is True


def test_an_export_verifies_offline_and_a_tampered_copy_names_its_first_bad_line(org: Org, tmp_path: Path) -> None:
    with Gatehouse(org.agent_key, base_url=org.server.api) as gh:
        for action in ("doc.read", "db.drop", "pr.open"):
            gh.execute(action, metadata={"note": action})
        saved = gh.audit.checkpoint()
        keys = [key["vkey"] for key in gh.audit.keys()["keys"]]
        gh.execute("pr.comment")
        gh.audit.checkpoint()
        # An agent's key exports its own agent's entries, each with its proof, and the proof that the
        # log grew from the saved checkpoint's size.
        exported = gh.audit.export(tmp_path / "log.jsonl", since_size=saved["treeSize"])
    assert exported.size > 0 and exported.tree_size is not None and not (tmp_path / "log.jsonl.part").exists()
    report = verify_bundle(exported.path, keys=keys, since=saved["note"])
    assert (report.valid, report.problem, report.keys_from, report.complete) == (True, None, "options", False)
    assert report.since is not None and report.since.consistent
    lines = (tmp_path / "log.jsonl").read_text().splitlines()
    assert report.checked_entries == sum('"type":"entry"' in line for line in lines) >= 5

    index = next(i for i, line in enumerate(lines) if '"type":"entry"' in line and "pr.open" in line)
    entry = json.loads(lines[index])
    entry["canonical"] = entry["canonical"].replace("pr.open", "pr.merge")
    lines[index] = json.dumps(entry, separators=(",", ":"))
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("\n".join(lines) + "\n")
    refused = verify_bundle(str(tampered), keys=keys, since=saved["note"])
    assert refused.valid is False
    assert refused.first_bad_line == index + 1 and refused.first_broken_seq == entry["seq"]
    assert "leaf hash does not match" in (refused.problem or "")


def test_the_agent_logs_its_own_evidence_once_per_event_id_naming_its_decision(org: Org) -> None:
    with Gatehouse(org.agent_key, base_url=org.server.api) as gh:
        executed = gh.execute("doc.read")
        written = gh.audit.log("command.ran", {"command": "make test", "exitCode": 0}, audit_event_id=executed["auditEventId"], event_id="py-evidence-1")
        assert_shape(written, "Evidence")
        assert (written["kind"], written.get("actionAuditEventId")) == ("command.ran", executed["auditEventId"])
        again = gh.audit.log("command.ran", {"command": "make test", "exitCode": 0}, audit_event_id=executed["auditEventId"], event_id="py-evidence-1")
        assert again["auditEventId"] == written["auditEventId"]
        with pytest.raises(GatehouseError) as other_content:
            gh.audit.log("command.ran", {"exitCode": 1}, event_id="py-evidence-1")
        assert other_content.value.status == 409
        entries = gh.audit.list(type="agent.evidence")["events"]
        assert [entry["id"] for entry in entries] == [written["auditEventId"]]


async def test_async_evidence_refuses_what_is_too_large_naming_details(org: Org) -> None:
    async with AsyncGatehouse(org.agent_key, base_url=org.server.api) as gh:
        with pytest.raises(GatehouseError) as too_large:
            await gh.audit.log("file.written", {"text": "x" * 20_000})
        assert too_large.value.status == 400 and "details" in str(too_large.value)


def test_the_article12_report_counts_the_period_and_prints(org: Org) -> None:
    """The report from Python with the owner's admin key: the period's decisions counted, the shape of the
    contract, the printable page; an agent's key and a backwards period refused, naming what is wrong."""
    from datetime import datetime, timedelta, timezone

    start = datetime.now(timezone.utc) - timedelta(seconds=1)
    with Gatehouse(org.agent_key, base_url=org.server.api) as agent:
        agent.execute("doc.read")
        agent.execute("pr.open")
        agent.execute("db.drop")
    end = datetime.now(timezone.utc) + timedelta(milliseconds=5)
    with Gatehouse(org.admin_key, base_url=org.server.api, heartbeat=False) as admin:
        report = admin.audit.article12_report(from_=start, to=end)
        assert_shape(report, "Article12Report")
        assert report["decisions"]["total"] == 3
        assert (report["decisions"]["executed"], report["decisions"]["denied"]) == (2, 1)
        assert report["decisions"]["byDenialReason"] == {"CONDITIONS_DENIED": 1}
        assert "not a claim, certification or assessment of compliance" in report["statement"]
        html = admin.audit.article12_html(from_=start, to=end)
        assert html.startswith("<!doctype html>") and "Human oversight" in html
        with pytest.raises(GatehouseError) as backwards:
            admin.audit.article12_report(from_=end, to=start)
        assert backwards.value.status == 400 and "to" in str(backwards.value)
    with Gatehouse(org.agent_key, base_url=org.server.api) as agent:
        with pytest.raises(GatehouseError) as refused:
            agent.audit.article12_report(from_=start, to=end)
        assert refused.value.status in (401, 403)
