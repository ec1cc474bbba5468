import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateSigner } from "@gatehouse/tlog";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "../src/cli.ts";
import { bigBundle, buildLog, ORIGIN } from "../../sdk/test/audit-fixtures.ts";
import { ADMIN_KEY, API_KEY, apiError, json, runCli, type CliRun, type CliWorld, type Reply } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "gatehouse-cli-audit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `content` to a new file in the test's temp directory and returns its path. */
function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Runs the CLI with files on disk and a scripted fetch, capturing its output. */
const cli = (argv: string[], replies: Reply[] = [], world: CliWorld = {}): Promise<CliRun> => runCli(argv, replies, world);

const log = buildLog(6);
const stranger = generateSigner(ORIGIN);
/** The bundle of `log`, checkpoints after entries 2 (size 3) and 5 (size 6); its line numbers: 1 header, 2 key, 3–5 entries 0–2, 6 checkpoint 3, 7–9 entries 3–5, 10 checkpoint 6. */
const BUNDLE = log.bundle([3, 6]);
const bundlePath = file("bundle.jsonl", BUNDLE);

/** The bundle with line `line` (1-based) changed by `change`. */
function withLine(line: number, change: (text: string) => string): string {
  const lines = BUNDLE.split("\n");
  lines[line - 1] = change(lines[line - 1] ?? "");
  return lines.join("\n");
}

describe("gatehouse verify", () => {
  it("says a valid bundle is valid, with the keys from the bundle and a warning about them, and exits 0", async () => {
    const run = await cli(["verify", bundlePath], [], { env: {} });
    expect([run.code, run.stdout, run.calls.length]).toEqual([EXIT_OK, `✓ valid: 6 entries, 2 checkpoints, tree size 6, root ${log.root(6)} (keys from the bundle)\n`, 0]);
    expect(run.stderr).toBe(
      [
        "warning: the signatures were checked with the keys inside the bundle itself, which whoever altered",
        "the bundle could have replaced too. Compare them with keys you got another way (gatehouse audit keys,",
        "or your own records) and pass those with --key:",
        `  ${log.vkey}`,
        "",
      ].join("\n"),
    );
  });

  it("checks with the keys of --key, without a warning", async () => {
    const run = await cli(["verify", bundlePath, "--key", log.vkey]);
    expect([run.code, run.stdout, run.stderr]).toEqual([EXIT_OK, `✓ valid: 6 entries, 2 checkpoints, tree size 6, root ${log.root(6)} (keys from --key)\n`, ""]);
  });

  it("reads keys from a file with --key @file, skipping blank lines and comments", async () => {
    const keys = file("keys.txt", `# the org's keys\n${stranger.vkey}\n\n${log.vkey}\n`);
    const run = await cli(["verify", bundlePath, "--key", `@${keys}`]);
    expect([run.code, run.stdout.endsWith("(keys from --key)\n")]).toEqual([EXIT_OK, true]);
  });

  it("fails a bundle with a byte changed in an entry, naming its line and seq, and exits 1", async () => {
    const tampered = file(
      "tampered.jsonl",
      withLine(8, (line) => line.replace('\\"n\\":4', '\\"n\\":5')),
    );
    const run = await cli(["verify", tampered, "--key", log.vkey]);
    expect([run.code, run.stdout]).toEqual([EXIT_FAILURE, "✗ invalid at line 8 (entry seq 4): entry 4: its leaf hash does not match its canonical text (the entry was edited)\n"]);
  });

  it("fails a bundle with a byte that is not UTF-8 any more, naming its line", async () => {
    const bytes = Buffer.from(BUNDLE, "utf8");
    const at = bytes.indexOf('\\"n\\":1', 0, "utf8") + 5;
    bytes[at] = 0xff;
    const run = await cli(["verify", file("not-utf8.jsonl", bytes), "--key", log.vkey]);
    expect([run.code, run.stdout]).toEqual([EXIT_FAILURE, "✗ invalid at line 4 (entry seq 1): entry 1: its leaf hash does not match its canonical text (the entry was edited)\n"]);
  });

  it("fails a bundle whose entry was removed, at the entry that went missing", async () => {
    const cut = file("removed.jsonl", withLine(4, () => "").replace("\n\n", "\n"));
    const run = await cli(["verify", cut, "--key", log.vkey]);
    expect([run.code, run.stdout]).toEqual([EXIT_FAILURE, "✗ invalid at line 4 (entry seq 1): entry 1 is missing (the next entry is 2)\n"]);
  });

  it("fails with a --key the checkpoints are not signed with, and exits 1", async () => {
    const run = await cli(["verify", bundlePath, "--key", stranger.vkey]);
    expect([run.code, run.stdout]).toEqual([EXIT_FAILURE, "✗ invalid at line 6: the note has no signature by a known key\n"]);
  });

  it("fails a bundle re-signed with another key when --key pins the org's", async () => {
    const forged = buildLog(6, { key: stranger, type: "action.denied" });
    const run = await cli(["verify", file("forged.jsonl", forged.bundle([3, 6])), "--key", log.vkey]);
    expect([run.code, run.stdout]).toEqual([EXIT_FAILURE, "✗ invalid at line 6: the note has no signature by a known key\n"]);
  });

  it("exits 2 with a clear message when the bundle file does not exist", async () => {
    const missing = join(dir, "missing.jsonl");
    const run = await cli(["verify", missing]);
    expect([run.code, run.stdout, run.stderr]).toEqual([EXIT_USAGE, "", `error: cannot read ${missing}: ENOENT: no such file or directory, open '${missing}'\n`]);
  });

  it("exits 2 when the bundle is a directory", async () => {
    const run = await cli(["verify", dir]);
    expect([run.code, run.stderr]).toEqual([EXIT_USAGE, expect.stringMatching(/^error: cannot read .*: EISDIR/)]);
  });

  it("exits 2 when a --key file does not exist", async () => {
    const run = await cli(["verify", bundlePath, "--key", `@${join(dir, "nokeys.txt")}`]);
    expect([run.code, run.stderr]).toEqual([EXIT_USAGE, expect.stringMatching(/^error: cannot read --key file .*nokeys\.txt: ENOENT/)]);
  });

  it("exits 2 for a --key that is not a verifier key", async () => {
    const run = await cli(["verify", bundlePath, "--key", "gatehouse.test+zz+abc"]);
    expect([run.code, run.stderr]).toEqual([
      EXIT_USAGE,
      expect.stringMatching(/^error: --key: "gatehouse\.test\+zz\+abc" is not a verifier key \(.*\)\nRun gatehouse --help for usage\.\n$/),
    ]);
  });

  it("with --since, says the log only grew since the saved checkpoint", async () => {
    const since = file("since.txt", log.note(3));
    const run = await cli(["verify", bundlePath, "--key", log.vkey, "--since", since]);
    expect([run.code, run.stdout.split("\n")[1]]).toEqual([EXIT_OK, "✓ the log only grew since your checkpoint of size 3"]);
  });

  it("with --since, fails a log that was rewritten since the saved checkpoint", async () => {
    // The saved checkpoint is of other entries at size 3, signed with the org's key.
    const since = file("since-fork.txt", buildLog(3, { key: log, type: "action.denied" }).note(3));
    const run = await cli(["verify", bundlePath, "--key", log.vkey, "--since", since]);
    expect([run.code, run.stdout]).toEqual([
      EXIT_FAILURE,
      "✗ invalid at line 5 (entry seq 2): the log at size 3 differs from your saved checkpoint: it was rewritten, not only appended to\n",
    ]);
  });

  it("with --since, fails a bundle that does not reach the saved checkpoint", async () => {
    const since = file("since-later.txt", buildLog(9, { key: log }).note(9));
    const run = await cli(["verify", bundlePath, "--key", log.vkey, "--since", since]);
    expect([run.code, run.stdout]).toEqual([EXIT_FAILURE, "✗ invalid: your saved checkpoint has size 9, but this bundle only reaches 6: the log shrank or the bundle is older\n"]);
  });

  it("exits 2 when the --since file is not a signed checkpoint", async () => {
    const since = file("not-a-checkpoint.txt", "hello\n");
    const run = await cli(["verify", bundlePath, "--since", since]);
    expect([run.code, run.stderr]).toEqual([
      EXIT_USAGE,
      `error: --since ${since} is not a signed checkpoint (it has no signature lines after a blank line); save one with gatehouse audit checkpoint --out <file>\nRun gatehouse --help for usage.\n`,
    ]);
  });

  it("exits 2 when the --since file does not exist", async () => {
    const run = await cli(["verify", bundlePath, "--since", join(dir, "nosince.txt")]);
    expect([run.code, run.stderr]).toEqual([EXIT_USAGE, expect.stringMatching(/^error: cannot read --since file .*nosince\.txt: ENOENT/)]);
  });

  it("prints the whole report with --json", async () => {
    const run = await cli(["verify", bundlePath, "--json", "--key", log.vkey]);
    expect([run.code, JSON.parse(run.stdout)]).toEqual([
      EXIT_OK,
      {
        valid: true,
        checkedEntries: 6,
        checkedCheckpoints: 2,
        complete: true,
        startSize: 0,
        treeSize: 6,
        rootHash: log.root(6),
        origin: "gatehouse.test/org_1",
        keysFrom: "options",
        keys: [log.vkey],
        unsigned: null,
        since: null,
        witnesses: null,
        firstBrokenSeq: null,
        firstBadLine: null,
        problem: null,
      },
    ]);
  });

  it("reports progress every 100,000 entries with --progress or on a terminal, and not otherwise", async () => {
    const path = file("big.jsonl", bigBundle(100_001, log));
    const runs = [
      await cli(["verify", path, "--key", log.vkey, "--progress"]),
      await cli(["verify", path, "--key", log.vkey], [], { stderrIsTTY: true }),
      await cli(["verify", path, "--key", log.vkey]),
    ];
    expect(runs.map((run) => [run.code, run.stderr])).toEqual([
      [EXIT_OK, "… 100,000 entries checked\n"],
      [EXIT_OK, "… 100,000 entries checked\n"],
      [EXIT_OK, ""],
    ]);
  }, 30_000);

  it.each<[string, string[], string]>([
    ["without a file", ["verify"], "error: verify needs a bundle file: gatehouse verify <bundle.jsonl>"],
    ["with two files", ["verify", "a.jsonl", "b.jsonl"], 'error: unexpected argument "b.jsonl"'],
    ["with --api-key, as it connects to nothing", ["verify", "a.jsonl", "--api-key", ADMIN_KEY], "error: verify does not take --api-key"],
    ["with --key without a value", ["verify", "a.jsonl", "--key"], "error: --key needs a value"],
  ])("exits 2 %s", async (_case, argv, message) => {
    const run = await cli(argv);
    expect([run.code, run.stderr.startsWith(message)]).toEqual([EXIT_USAGE, true]);
  });
});

const EXPORT_HEADERS = {
  "content-type": "application/x-ndjson; charset=utf-8",
  "content-disposition": 'attachment; filename="gatehouse-audit-acme-6-2025.jsonl"',
  "x-gatehouse-tree-size": "6",
};

/** A reply streaming `text` in chunks of 64 bytes, then `end` (an error to break off with). */
function exportReply(text: string, { end, headers = EXPORT_HEADERS }: { end?: Error; headers?: Record<string, string> } = {}): Reply {
  return async () => {
    const bytes = new TextEncoder().encode(text);
    let at = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at < bytes.length) {
          controller.enqueue(bytes.slice(at, at + 64));
          at += 64;
        } else if (end !== undefined) controller.error(end);
        else controller.close();
      },
    });
    return new Response(body, { status: 200, headers });
  };
}

describe("gatehouse audit export", () => {
  it("streams the bundle to --out, which verify then accepts", async () => {
    const out = join(dir, "export.jsonl");
    const run = await cli(["audit", "export", "--out", out], [exportReply(BUNDLE)]);
    expect([run.code, run.calls[0]?.url, run.calls[0]?.headers.get("authorization"), readFileSync(out, "utf8")]).toEqual([
      EXIT_OK,
      "https://gh.example.com/v1/audit/export?format=jsonl",
      `Bearer ${ADMIN_KEY}`,
      BUNDLE,
    ]);
    expect(run.stderr.split("\n")[0]).toBe(`Exported the audit log at tree size 6 to ${out} (${Buffer.byteLength(BUNDLE).toLocaleString("en-US")} bytes).`);
    expect((await cli(["verify", out, "--key", log.vkey])).code).toBe(EXIT_OK);
  });

  it("writes to stdout without --out", async () => {
    const run = await cli(["audit", "export"], [exportReply(BUNDLE)]);
    expect([run.code, run.stdout, run.stderr]).toEqual([EXIT_OK, BUNDLE, ""]);
  });

  it("sends --format, --from, --to, --agent and --type as the query, times as ISO 8601", async () => {
    const run = await cli(
      ["audit", "export", "--format", "csv", "--from", "2025-06-01", "--to", "2025-06-02T12:00:00+02:00", "--agent", "agt_1", "--type", "action.denied"],
      [exportReply("seq,time\r\n", { headers: { "content-type": "text/csv; charset=utf-8" } })],
    );
    expect([run.code, run.calls[0]?.url, run.stdout]).toEqual([
      EXIT_OK,
      "https://gh.example.com/v1/audit/export?format=csv&from=2025-06-01T00%3A00%3A00.000Z&to=2025-06-02T10%3A00%3A00.000Z&agentId=agt_1&type=action.denied",
      "seq,time\r\n",
    ]);
  });

  it("takes an agent's key", async () => {
    const run = await cli(["audit", "export"], [exportReply(BUNDLE)], { env: { GATEHOUSE_API_KEY: API_KEY } });
    expect([run.code, run.calls[0]?.headers.get("authorization")]).toEqual([EXIT_OK, `Bearer ${API_KEY}`]);
  });

  it("removes the file and exits 1 when the download breaks off", async () => {
    const out = join(dir, "broken.jsonl");
    const run = await cli(["audit", "export", "--out", out], [exportReply(BUNDLE, { end: new Error("socket hang up") })]);
    expect([run.code, run.stderr, existsSync(out)]).toEqual([EXIT_FAILURE, expect.stringContaining("broke off: socket hang up"), false]);
  });

  it("exits 1 with the status when the server refuses", async () => {
    const run = await cli(["audit", "export"], [apiError(403, "FORBIDDEN")]);
    expect([run.code, run.stderr]).toEqual([EXIT_FAILURE, "error: FORBIDDEN happened (status 403, request id req_403)\n"]);
  });

  it.each<[string, string[], string]>([
    ["an unknown format", ["audit", "export", "--format", "yaml"], 'error: --format must be jsonl or csv, not "yaml"'],
    ["a time that is not ISO 8601", ["audit", "export", "--from", "yesterday"], 'error: --from must be an ISO 8601 time, e.g. 2025-06-01T00:00:00Z, not "yesterday"'],
    ["an option of another command", ["audit", "export", "--key", log.vkey], "error: audit export does not take --key"],
  ])("exits 2 on %s, calling nothing", async (_case, argv, message) => {
    const run = await cli(argv);
    expect([run.code, run.stderr.startsWith(message), run.calls.length]).toEqual([EXIT_USAGE, true, 0]);
  });
});

describe("gatehouse audit checkpoint", () => {
  it("prints the signed note", async () => {
    const run = await cli(["audit", "checkpoint"], [json(200, log.checkpoint(3))]);
    expect([run.code, run.calls[0]?.url, run.stdout]).toEqual([EXIT_OK, "https://gh.example.com/v1/audit/checkpoint", log.note(3)]);
  });

  it("saves it with --out, ready for verify --since", async () => {
    const out = join(dir, "checkpoint.txt");
    const run = await cli(["audit", "checkpoint", "--out", out], [json(200, log.checkpoint(3))]);
    expect([run.code, readFileSync(out, "utf8"), run.stderr.split("\n")[0]]).toEqual([
      EXIT_OK,
      log.note(3),
      `Saved the signed checkpoint of tree size 3 (root ${log.root(3)}) to ${out}.`,
    ]);
    const later = await cli(["verify", bundlePath, "--key", log.vkey, "--since", out]);
    expect([later.code, later.stdout.split("\n")[1]]).toEqual([EXIT_OK, "✓ the log only grew since your checkpoint of size 3"]);
  });
});

describe("gatehouse audit keys", () => {
  it("prints one verifier key per line, the form --key @file reads", async () => {
    const keys = [
      { id: "sgk_1", vkey: stranger.vkey, status: "retired", createdAt: "2025-01-01T00:00:00.000Z", retiredAt: "2025-06-01T00:00:00.000Z" },
      { id: "sgk_2", vkey: log.vkey, status: "active", createdAt: "2025-06-01T00:00:00.000Z", retiredAt: null },
    ];
    const run = await cli(["audit", "keys"], [json(200, { keys })]);
    expect([run.code, run.calls[0]?.url, run.stdout]).toEqual([EXIT_OK, "https://gh.example.com/v1/audit/keys", `${stranger.vkey}\n${log.vkey}\n`]);
    const saved = file("saved-keys.txt", run.stdout);
    expect((await cli(["verify", bundlePath, "--key", `@${saved}`])).code).toBe(EXIT_OK);
  });
});

describe("gatehouse audit verify", () => {
  it("prints the server's verdict and exits 0 when valid", async () => {
    const answer = { valid: true, checkedEntries: 6, checkedCheckpoints: 2, firstBrokenSeq: null, treeSize: 6, rootHash: log.root(6), problem: null, unsignedEntries: 0 };
    const run = await cli(["audit", "verify"], [json(200, answer)]);
    expect([run.code, run.calls[0]?.init.method, run.calls[0]?.url, run.stdout.split(" (checked by the server")[0], run.stdout.split("\n").length]).toEqual([
      EXIT_OK,
      "POST",
      "https://gh.example.com/v1/audit/verify",
      `✓ valid: 6 entries, 2 checkpoints, tree size 6, root ${log.root(6)}`,
      2,
    ]);
  });

  it("says which entries no signature covers yet when entries were appended while the server checked", async () => {
    const answer = { valid: true, checkedEntries: 8, checkedCheckpoints: 2, firstBrokenSeq: null, treeSize: 8, rootHash: log.root(6), problem: null, unsignedEntries: 2 };
    const run = await cli(["audit", "verify"], [json(200, answer)]);
    expect([run.code, run.stdout.split("\n")[1]]).toEqual([EXIT_OK, "⚠ not covered by a signature yet: 2 entries appended while the check ran, checked against the log head only"]);
  });

  it("exits 1 and names the first broken entry when the server finds the log broken", async () => {
    const answer = {
      valid: false,
      checkedEntries: 3,
      checkedCheckpoints: 1,
      firstBrokenSeq: 2,
      treeSize: 6,
      rootHash: log.root(6),
      problem: "entry 2: its leaf hash does not match its canonical text (the entry was edited)",
      unsignedEntries: 0,
    };
    const run = await cli(["audit", "verify"], [json(200, answer)]);
    expect([run.code, run.stdout]).toEqual([
      EXIT_FAILURE,
      "✗ invalid at entry seq 2: entry 2: its leaf hash does not match its canonical text (the entry was edited) (checked by the server)\n",
    ]);
  });
});

describe("gatehouse audit proof", () => {
  const proof = (overrides: Record<string, unknown> = {}) => ({
    type: "inclusion",
    seq: 4,
    entryId: "aud_4",
    leafHash: log.entries[4]?.leafHash,
    treeSize: 6,
    rootHash: log.root(6),
    proof: log.inclusion(4, 6),
    checkpoint: log.checkpoint(6),
    ...overrides,
  });
  const keys = () => json(200, { keys: [{ id: "sgk_1", vkey: log.vkey, status: "active", createdAt: "2025-06-01T00:00:00.000Z", retiredAt: null }] });

  it("prints the proof and that it verified here, and exits 0", async () => {
    const run = await cli(["audit", "proof", "aud_4"], [json(200, proof()), keys()]);
    expect([run.code, run.calls.map((call) => call.url), run.stdout]).toEqual([
      EXIT_OK,
      ["https://gh.example.com/v1/audit/proof?entryId=aud_4", "https://gh.example.com/v1/audit/keys"],
      [
        "entry aud_4 (seq 4) in the tree of size 6",
        `leaf hash  ${log.entries[4]?.leafHash}`,
        `root hash  ${log.root(6)}`,
        "audit path (2 hashes):",
        ...log.inclusion(4, 6).map((hash) => `  ${hash}`),
        "✓ verified: entry 4 is in the log's signed checkpoint of tree size 6 (keys from the server; pin yours with --key)",
        "",
      ].join("\n"),
    ]);
  });

  it("asks by seq for a number, in the tree of --tree-size, checking with --key", async () => {
    const run = await cli(["audit", "proof", "4", "--tree-size", "6", "--key", log.vkey], [json(200, proof())]);
    expect([run.code, run.calls.map((call) => call.url), run.stdout.split("\n").at(-2)]).toEqual([
      EXIT_OK,
      ["https://gh.example.com/v1/audit/proof?seq=4&treeSize=6"],
      "✓ verified: entry 4 is in the log's signed checkpoint of tree size 6 (keys from --key)",
    ]);
  });

  it("exits 1 and says why when the proof does not check out", async () => {
    const run = await cli(["audit", "proof", "aud_4"], [json(200, proof({ proof: log.inclusion(4, 6).reverse() })), keys()]);
    expect([run.code, run.stdout.split("\n").at(-2)]).toEqual([
      EXIT_FAILURE,
      "✗ not verified: the proof does not lead from entry 4's leaf hash to the root of tree size 6: the proof leads to a different root (keys from the server; pin yours with --key)",
    ]);
  });

  it("prints the proof and the check as JSON with --json", async () => {
    const run = await cli(["audit", "proof", "aud_4", "--json"], [json(200, proof()), keys()]);
    expect([run.code, JSON.parse(run.stdout)]).toEqual([EXIT_OK, { ...proof(), verified: true, keysFrom: "server" }]);
  });

  it.each<[string, string[], string]>([
    ["without an entry", ["audit", "proof"], "error: audit proof needs an entry: gatehouse audit proof <aud_…|seq>"],
    ["with a tree size that is not a number", ["audit", "proof", "aud_4", "--tree-size", "big"], 'error: --tree-size must be a whole number ≥ 1, not "big"'],
    ["for an unknown audit command", ["audit", "delete"], 'error: unknown command "audit delete"'],
  ])("exits 2 %s, calling nothing", async (_case, argv, message) => {
    const run = await cli(argv);
    expect([run.code, run.stderr.startsWith(message), run.calls.length]).toEqual([EXIT_USAGE, true, 0]);
  });
});

describe("gatehouse verify and audit help", () => {
  it.each<[string[], RegExp]>([
    [["verify", "--help"], /^Usage: gatehouse verify <bundle\.jsonl> \[--key <vkey>\|--key @<file>\]\.\.\. \[--policy <file>\] \[--since <file>\]/],
    // Seven commands: the usage line says <command> and the list names them.
    [["audit", "--help"], /^Usage: gatehouse audit <command> \[options\]\n\nCommands:\n {2}export .*\n(.*\n){4} {2}rotate-key .*\n {2}erase <entry-id>… \| --subject <text> /],
    [["audit", "export", "--help"], /^Usage: gatehouse audit export \[--out <file>\]/],
    [["audit", "checkpoint", "--help"], /^Usage: gatehouse audit checkpoint \[--out <file>\]/],
    [["audit", "keys", "--help"], /^Usage: gatehouse audit keys/],
    [["audit", "verify", "--help"], /^Usage: gatehouse audit verify/],
    [["audit", "proof", "--help"], /^Usage: gatehouse audit proof <entry>/],
    [["--help"], /\n {2}verify <bundle\.jsonl> {4}Check an exported audit log offline: no key, no network\n/],
  ])("gatehouse %s prints to stdout and exits 0", async (argv, output) => {
    const run = await cli(argv, [], { env: {} });
    expect([run.code, run.stdout, run.stderr]).toEqual([EXIT_OK, expect.stringMatching(output), ""]);
  });

  it("gatehouse audit without a command prints its help to stderr and exits 2", async () => {
    const run = await cli(["audit"]);
    expect([run.code, run.stderr.startsWith("Usage: gatehouse audit")]).toEqual([EXIT_USAGE, true]);
  });
});

describe("the gatehouse executable, offline", () => {
  it("verifies a bundle file with no API key in the environment and exits with its status", () => {
    const cliPath = fileURLToPath(new URL("../src/bin.ts", import.meta.url));
    const tampered = file(
      "exe-tampered.jsonl",
      withLine(8, (line) => line.replace('\\"n\\":4', '\\"n\\":5')),
    );
    const runs = [bundlePath, tampered].map((path) =>
      spawnSync(process.execPath, ["--conditions=@gatehouse/source", "--import", "tsx", cliPath, "verify", path, "--key", log.vkey], {
        cwd: fileURLToPath(new URL("..", import.meta.url)),
        encoding: "utf8",
        env: { PATH: process.env.PATH },
      }),
    );
    expect(runs.map((run) => [run.status, run.stdout.slice(0, 9)])).toEqual([
      [EXIT_OK, "✓ valid: "],
      [EXIT_FAILURE, "✗ invalid"],
    ]);
  }, 30_000);
});
