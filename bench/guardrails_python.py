"""``npm run bench:guardrails-python``: the Python wrappers' screen of one model call (docs/guardrails.md), the
twin of bench/guardrails.ts, beside what a wrapper does to every request anyway (its JSON and SHA-256, the
``requestDigest``) in the same run. The same three prompts as the TypeScript bench: a 4 KB conversation
clean, the same with an email, a phone number and a GitHub token, and 64 KB of adversarial text. Goals
(issue 46, for the wrapper's screen): 4 KB ≤ 1 ms p50, 64 KB adversarial ≤ 20 ms.

The screen remembers the findings of the long texts it scanned last (a wrapped call screens its prompt twice,
before and after its decision): each run starts with none of them remembered, as a new prompt does. Texts of up
to 256 units stay remembered across runs, as in the TypeScript bench.

Run with the SDK's source on the path and Debian's Python (``PYTHON``, default /usr/bin/python3, which has httpx).
Writes bench/results/guardrails-python-<timestamp>.json and bench/GUARDRAILS-PYTHON.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import statistics
import time
from datetime import datetime, timezone
from typing import Any, Callable

from gatehouse._content_table import DETECTORS, INSTRUCTION_RULES
from gatehouse._screen import PlaceholderVault, _recent_long_texts, find_in_value, redact_for_provider, screen_answer

RUNS = int(os.environ.get("BENCH_RUNS", "2000"))
ADVERSARIAL_RUNS = int(os.environ.get("BENCH_ADVERSARIAL_RUNS", "50"))
PARAGRAPH = (
    "The nightly export failed twice this week. The first run timed out after the warehouse rotated its credentials; the second ran out of disk on the worker. "
    "Both left partial files in the bucket, which the morning report then read as complete. "
)


def conversation(findings: bool) -> dict[str, Any]:
    contact = "jane.doe@example.com, +1 (415) 555-2671" if findings else "the account owner on file"
    token = "ghp_R7kq2VbX9mWc4LpZs8TnY3dHf6JgA1eQo5Ui" if findings else "the deploy token from the vault"
    history = [{"at": f"2026-11-2{i}T03:00:00Z", "event": "export.failed", "bytes": 1_048_576 * i} for i in range(8)]
    return {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": f"You are the on-call assistant for the data platform team. Answer briefly, cite tickets, never guess. {PARAGRAPH}"},
            {"role": "user", "content": f"Ticket 4512 from {contact}: {PARAGRAPH * 8}"},
            {"role": "assistant", "content": f"I looked at ticket 4512. {PARAGRAPH * 2} Shall I re-run the export with {token}?"},
            {"role": "tool", "content": json.dumps({"ticket": 4512, "status": "open", "history": history})},
            {"role": "user", "content": f"Yes, and tell {'jane.doe@example.com' if findings else 'the owner'} when it is done. {PARAGRAPH}"},
        ],
    }


def adversarial() -> dict[str, Any]:
    parts: list[str] = []
    for detector in DETECTORS:
        for keyword in detector.keywords:
            parts += [f"{keyword}{'A1b2' * 12}-", f"{keyword}=", f"{keyword}_{'x' * 30}"]
    for rule in INSTRUCTION_RULES:
        for keyword in rule.keywords:
            parts.append(f"{keyword} {'the previous ' * 4}")
    parts += ["@" * 500, "a@" * 500, "1-2 " * 400, "ghp_" + "a" * 35 + "!", "4111 1111 1111 111", "x" * 2000]
    text = ""
    i = 0
    while len(text) < 65_536:
        text += parts[i % len(parts)] + " "
        i += 1
    size = 16_384
    return {"model": "gpt-4o-mini", "messages": [{"role": "user" if i % 2 == 0 else "assistant", "content": text[i * size : (i + 1) * size]} for i in range(4)]}


counter = 0


def tag() -> str:
    global counter
    counter += 1
    return f"{counter % 0xFFFFFFFF:08x}"


def baseline(request: dict[str, Any]) -> None:
    hashlib.sha256(json.dumps(request, separators=(",", ":")).encode()).hexdigest()


def screened(request: dict[str, Any]) -> None:
    baseline(request)
    found = find_in_value({"messages": request["messages"]}, ["prompt"])
    vault = PlaceholderVault(tag)
    sent = redact_for_provider(request["messages"], ["prompt", "messages"], {"secrets": "redact", "personalData": "redact"}, vault)[0] if found else request["messages"]
    answer = [{"index": 0, "message": {"role": "assistant", "content": f"Done. I wrote to the owner. {json.dumps(sent)[:200]}"}}]
    screen_answer(answer, ["answer", "choices"])
    vault.restore_deep(answer)


def measure(runs: int, body: Callable[[], None]) -> dict[str, float]:
    for _ in range(min(50, runs)):
        _recent_long_texts.clear()
        body()
    times = []
    for _ in range(runs):
        _recent_long_texts.clear()
        started = time.perf_counter()
        body()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50": round(statistics.median(times), 3), "p99": round(times[min(len(times) - 1, int(len(times) * 0.99))], 3), "max": round(times[-1], 3)}


def main() -> None:
    date = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(), "date": date, "loadavgAtStart": [round(v, 2) for v in os.getloadavg()]}
    rows = []
    for name, request in {"4 KB clean": conversation(False), "4 KB findings": conversation(True), "64 KB adversarial": adversarial()}.items():
        runs = ADVERSARIAL_RUNS if name.startswith("64") else RUNS
        before = measure(runs, lambda: baseline(request))
        with_screen = measure(runs, lambda: screened(request))
        again = measure(runs, lambda: baseline(request))
        goal = 20 if name.startswith("64") else 1
        row = {
            "prompt": name,
            "bytes": len(json.dumps(request["messages"])),
            "findings": len(find_in_value({"messages": request["messages"]}, ["prompt"])),
            "baselineMs": min(before["p50"], again["p50"]),
            "screenedMs": with_screen,
            "goalMs": goal,
            "met": with_screen["p50"] <= goal,
        }
        print(json.dumps(row))
        rows.append(row)
    stamp = date.replace(":", "-").replace(".", "-")
    os.makedirs("bench/results", exist_ok=True)
    with open(f"bench/results/guardrails-python-{stamp}.json", "w") as out:
        json.dump({"machine": machine, "runs": RUNS, "adversarialRuns": ADVERSARIAL_RUNS, "rows": rows}, out, indent=2)
        out.write("\n")
    lines = [
        "# Guardrails in Python: what the wrappers' screen costs in the caller's process",
        "",
        "`npm run bench:guardrails-python` (`bench/guardrails_python.py`): the twin of `bench/guardrails.ts` for",
        "`wrap_openai` and `wrap_anthropic` — the prompt screened, rewritten, the answer screened and restored —",
        "beside what a wrapper does to every request anyway (its JSON and SHA-256), in the same run.",
        "",
        f"Machine: {machine['cpus']} cores, Python {machine['python']}, load {' '.join(map(str, machine['loadavgAtStart']))} at start; {date}.",
        "",
        "| prompt | bytes of messages | findings | baseline p50 ms | screened p50 ms | p99 ms | max ms | goal p50 ms | met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        *[
            f"| {r['prompt']} | {r['bytes']} | {r['findings']} | {r['baselineMs']} | {r['screenedMs']['p50']} | {r['screenedMs']['p99']} | {r['screenedMs']['max']} | ≤ {r['goalMs']} | {'yes' if r['met'] else 'no'} |"
            for r in rows
        ],
        "",
        f"Raw figures: `bench/results/guardrails-python-{stamp}.json`.",
        "",
    ]
    with open("bench/GUARDRAILS-PYTHON.md", "w") as out:
        out.write("\n".join(lines))


if __name__ == "__main__":
    main()
