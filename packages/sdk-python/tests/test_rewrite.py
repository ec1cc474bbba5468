"""A policy's redact and transform seen from Python: the answer's ``rewritten`` against the real API,
and ``rewritten_metadata`` making the same changes the server made (the decision's log entry holds the
call as rewritten)."""

from __future__ import annotations

from typing import Any

from conftest import Server

from gatehouse import Gatehouse, rewritten_metadata

POLICIES: list[dict[str, Any]] = [
    {
        "name": "refunds",
        "actions": ["refund.issue"],
        "effect": "allow",
        "redact": [{"path": "metadata.note"}, {"path": "metadata.items.*.card", "mask": "[card]"}],
        "transform": [{"path": "metadata.amount", "max": 100}, {"path": "metadata.options.dryRun", "set": True}],
    }
]


def test_the_changes_in_the_answer_give_the_call_the_log_holds(server: Server) -> None:
    org = server.org(POLICIES)
    sent = {"amount": 950, "note": "angry customer", "items": [{"card": "tok_1"}, {"sku": "b"}]}
    with Gatehouse(org.agent_key, base_url=org.server.api) as gh:
        checked = gh.can_i("refund.issue", metadata=sent)
        result = gh.execute("refund.issue", metadata=sent)
        assert result["status"] == "executed"
        assert checked.get("rewritten") == result.get("rewritten")
        made = rewritten_metadata(sent, result)
        assert made == {"amount": 100, "items": [{"card": "[card]"}, {"sku": "b"}], "options": {"dryRun": True}}
        assert sent["note"] == "angry customer"  # the call as sent is left as it was
        entries = gh.audit.list(type="action.decided")["events"]
        assert entries[0]["data"]["metadata"] == made
        assert "angry customer" not in str(entries)


def test_without_changes_the_metadata_is_as_sent() -> None:
    assert rewritten_metadata({"a": [1, 2]}, {"status": "executed"}) == {"a": [1, 2]}
    changes = {"rewritten": {"changes": [{"path": "metadata.a.1", "op": "remove", "policy": "p"}, {"path": "metadata.b.c", "op": "set", "value": 3, "policy": "p"}]}}
    assert rewritten_metadata({"a": [1, 2]}, changes) == {"a": [1, None], "b": {"c": 3}}
