"""Writes the sync twins of the async modules: ``_async_http.py`` → ``_http.py`` and
``_async_client.py`` → ``_client.py``. ``--check`` fails (exit 1) when a written twin is stale.

Run from anywhere: ``python3 packages/sdk-python/tools/unasync.py [--check]``. The rules: ``async``
and ``await`` go, async names become their sync twins (the table below), lines between
``# --- async only`` and ``# --- end`` are left out, and ``# sync: `` lines are put in without the
marker. One source for both clients, so they cannot drift apart.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "gatehouse"
FILES = {"_async_http.py": "_http.py", "_async_client.py": "_client.py"}
NAMES = {
    "AsyncGatehouse": "Gatehouse",
    "AsyncDelegatedAgent": "DelegatedAgent",
    "AsyncAudit": "Audit",
    "AsyncHttp": "Http",
    "_async_http": "_http",
    "_async_waits": "_sync_waits",
    "async_waits_for": "sync_waits_for",
    "async_parallel": "sync_parallel",
    "AsyncIterator": "Iterator",
    "AsyncClient": "Client",
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "aclose": "close",
    "aiter_bytes": "iter_bytes",
    "aread": "read",
    "asynccontextmanager": "contextmanager",
}
WORD = re.compile(r"\b(" + "|".join(map(re.escape, NAMES)) + r")\b")
# `WaitHttpClient` stays async in both: the sync client's waits run on a background event loop.


def sync_twin(source: str, name: str) -> str:
    out: list[str] = [f"# Generated from {name} by tools/unasync.py. Do not edit: edit {name} and run it.\n"]
    skipping = False
    for line in source.splitlines(keepends=True):
        marker = line.strip()
        if marker == "# --- async only":
            skipping = True
            continue
        if marker == "# --- end":
            skipping = False
            continue
        if skipping:
            continue
        if marker.startswith("# sync:"):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + marker[len("# sync:") :].removeprefix(" ") + "\n")
            continue
        line = line.replace("asyncio.sleep(", "time.sleep(")
        line = re.sub(r"\basync (def|for|with)\b", r"\1", line)
        line = re.sub(r"\bawait ", "", line)
        line = WORD.sub(lambda match: NAMES[match.group(1)], line)
        out.append(line)
    return "".join(out)


def main() -> int:
    check = "--check" in sys.argv[1:]
    stale = []
    for source, target in FILES.items():
        text = sync_twin((PACKAGE / source).read_text(), source)
        path = PACKAGE / target
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(target)
        else:
            path.write_text(text)
    for target in stale:
        print(f"{target} is stale: run python3 packages/sdk-python/tools/unasync.py and commit the result", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
