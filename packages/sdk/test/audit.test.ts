import { generateSigner } from "@gatehouse/tlog";
import { describe, expect, expectTypeOf, it } from "vitest";
import { BadRequestError, GatehouseError, NotFoundError, PermissionDeniedError, type VerifiedInclusionProof } from "../src/index.ts";
import { verifyBundle, type BundleReport } from "../src/verify.ts";
import { buildLog, ORIGIN } from "./audit-fixtures.ts";
import { ADMIN_KEY, adminClient, apiError, client, json, rejection, type Reply } from "./helpers.ts";

const log = buildLog(7);
const stranger = generateSigner(ORIGIN);

const event = {
  id: "aud_1",
  seq: 6,
  type: "action.executed",
  actorType: "agent",
  actorId: "agt_1",
  agentId: "agt_1",
  subjectId: "act_1",
  createdAt: "2025-06-01T12:00:00.000Z",
  leafHash: log.entries[6]?.leafHash,
  chainHash: "ab".repeat(32),
  data: { actionType: "pr.merge" },
};

const signingKey = { id: "sgk_1", vkey: log.vkey, status: "active", createdAt: "2025-06-01T00:00:00.000Z", retiredAt: null };
const keysReply = (): Response => json(200, { keys: [signingKey] });

/** The API's inclusion proof of `seq` in the tree of `size`, with the signed checkpoint of that size. */
function inclusion(seq: number, size: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "inclusion",
    seq,
    entryId: `aud_${seq}`,
    leafHash: log.entries[seq]?.leafHash,
    treeSize: size,
    rootHash: log.root(size),
    proof: log.inclusion(seq, size),
    checkpoint: log.checkpoint(size),
    ...overrides,
  };
}

function consistency(from: number, to: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: "consistency", from, to, fromRootHash: log.root(from), toRootHash: log.root(to), proof: log.consistency(from, to), checkpoint: log.checkpoint(to), ...overrides };
}

/** The same log with other entries, signed with the same key: what a server rewriting history would show. */
const fork = buildLog(7, { key: log, type: "action.denied" });

/** `note` with one character of its signature (past the key hash) changed. */
function alterSignature(note: string): string {
  const at = note.lastIndexOf(" ") + 11;
  return `${note.slice(0, at)}${note[at] === "A" ? "B" : "A"}${note.slice(at + 1)}`;
}

/** `hex` with its first character changed. */
function flip(hex: string): string {
  return `${hex[0] === "0" ? "1" : "0"}${hex.slice(1)}`;
}

describe("audit.list()", () => {
  it("GETs /v1/audit and returns the page, typed", async () => {
    const page = { events: [event], nextCursor: "6" };
    const { gatehouse, calls } = client([json(200, page)]);
    const result = await gatehouse.audit.list();
    expect([calls[0]?.init.method, calls[0]?.url, result]).toEqual(["GET", "http://localhost:4000/v1/audit", page]);
  });

  it("sends cursor, limit, type and agentId as the query", async () => {
    const { gatehouse, calls } = client([json(200, { events: [], nextCursor: null })]);
    await gatehouse.audit.list({ cursor: "6", limit: 10, type: "action.denied", agentId: "agt_1" });
    expect(calls[0]?.url).toBe("http://localhost:4000/v1/audit?cursor=6&limit=10&type=action.denied&agentId=agt_1");
  });

  it("sends actionType, and from and to as ISO 8601 (a Date converted, text as given)", async () => {
    const { gatehouse, calls } = client([json(200, { events: [], nextCursor: null })]);
    await gatehouse.audit.list({ actionType: "pr.merge", from: new Date("2025-06-01T00:00:00Z"), to: "2025-06-02T00:00:00Z" });
    expect(calls[0]?.url).toBe("http://localhost:4000/v1/audit?actionType=pr.merge&from=2025-06-01T00%3A00%3A00.000Z&to=2025-06-02T00%3A00%3A00Z");
  });
});

describe("audit.checkpoint(), checkpoints(), keys()", () => {
  it("checkpoint() GETs /v1/audit/checkpoint", async () => {
    const { gatehouse, calls } = client([json(200, log.checkpoint(7))]);
    await expect(gatehouse.audit.checkpoint()).resolves.toEqual(log.checkpoint(7));
    expect(calls[0]?.url).toBe("http://localhost:4000/v1/audit/checkpoint");
  });

  it("checkpoints() GETs /v1/audit/checkpoints with cursor and limit", async () => {
    const page = { checkpoints: [log.checkpoint(7)], nextCursor: "7" };
    const { gatehouse, calls } = client([json(200, page)]);
    await expect(gatehouse.audit.checkpoints({ cursor: "9", limit: 1 })).resolves.toEqual(page);
    expect(calls[0]?.url).toBe("http://localhost:4000/v1/audit/checkpoints?cursor=9&limit=1");
  });

  it("keys() GETs /v1/audit/keys", async () => {
    const { gatehouse, calls } = client([keysReply()]);
    await expect(gatehouse.audit.keys()).resolves.toEqual({ keys: [signingKey] });
    expect(calls[0]?.url).toBe("http://localhost:4000/v1/audit/keys");
  });
});

describe("audit.proof()", () => {
  it("GETs the proof by entryId, then the org's keys, and verifies it", async () => {
    const { gatehouse, calls } = client([json(200, inclusion(3, 7)), keysReply()]);
    const result = await gatehouse.audit.proof({ entryId: "aud_3" });
    expectTypeOf(result).toEqualTypeOf<VerifiedInclusionProof>();
    expect(calls.map((call) => call.url)).toEqual(["http://localhost:4000/v1/audit/proof?entryId=aud_3", "http://localhost:4000/v1/audit/keys"]);
    expect(result).toEqual({ ...inclusion(3, 7), verified: true, keysFrom: "server" });
  });

  it("asks by seq and tree size", async () => {
    const { gatehouse, calls } = client([json(200, inclusion(0, 5)), keysReply()]);
    const result = await gatehouse.audit.proof({ seq: 0, treeSize: 5 });
    expect([calls[0]?.url, result.verified]).toEqual(["http://localhost:4000/v1/audit/proof?seq=0&treeSize=5", true]);
  });

  it("verifies every leaf of a tree whose size is not a power of two", async () => {
    const results = await Promise.all(
      log.entries.map(async ({ seq }) => {
        const { gatehouse } = client([json(200, inclusion(seq, 7))]);
        return (await gatehouse.audit.proof({ seq, keys: [log.vkey] })).verified;
      }),
    );
    expect(results).toEqual(log.entries.map(() => true));
  });

  it("checks the signature with the keys passed in, without fetching the org's", async () => {
    const { gatehouse, calls } = client([json(200, inclusion(3, 7))]);
    const result = await gatehouse.audit.proof({ entryId: "aud_3", keys: [log.vkey] });
    expect([calls.length, result.verified, result.keysFrom]).toEqual([1, true, "options"]);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["a leaf hash the entry does not have", { leafHash: flip(log.entries[3]?.leafHash ?? "") }, /does not lead from entry 3's leaf hash to the root/],
    ["a hash of the path changed", { proof: [flip(log.inclusion(3, 7)[0] ?? ""), ...log.inclusion(3, 7).slice(1)] }, /does not lead from entry 3's leaf hash/],
    ["a hash of the path left out", { proof: log.inclusion(3, 7).slice(1) }, /the proof is shorter than the tree is deep/],
    ["another entry's place", { seq: 4, entryId: "aud_3" }, /does not lead from entry 4's leaf hash/],
    ["a root that is not the signed one", { rootHash: log.root(6), proof: log.inclusion(3, 6), treeSize: 6 }, /signed checkpoint is of tree size 7, not 6/],
    [
      "a checkpoint signed by another key",
      { checkpoint: { ...log.checkpoint(7), note: buildLog(7, { key: stranger }).note(7) } },
      /the checkpoint: the note has no signature by a known key/,
    ],
    [
      "a checkpoint whose signature was altered",
      { checkpoint: { ...log.checkpoint(7), note: alterSignature(log.note(7)) } },
      /^the checkpoint: the signature by gatehouse\.test\/org_1\+[0-9a-f]{8} does not verify$/,
    ],
    [
      "a forked tree whose root is not the signed one",
      { leafHash: fork.entries[3]?.leafHash, rootHash: fork.root(7), proof: fork.inclusion(3, 7) },
      /^the signed checkpoint of tree size 7 has root [0-9a-f]{64}, not the proof's [0-9a-f]{64}$/,
    ],
    ["no checkpoint", { checkpoint: null }, /no signed checkpoint of tree size 7 came with the proof/],
    ["hashes that are not hex", { rootHash: "zz" }, /the server's answer is malformed: rootHash must be 64 hex characters/],
  ])("fails the check for %s", async (_case, overrides, problem) => {
    const { gatehouse } = client([json(200, inclusion(3, 7, overrides)), keysReply()]);
    const result = await gatehouse.audit.proof({ entryId: "aud_3" });
    expect([result.verified, result.problem]).toEqual([false, expect.stringMatching(problem)]);
  });

  it("fails the check when the server answers for another entry than the one asked", async () => {
    const { gatehouse } = client([json(200, inclusion(2, 7)), keysReply()]);
    const result = await gatehouse.audit.proof({ entryId: "aud_3" });
    expect([result.verified, result.problem]).toEqual([false, "the server answered for entry aud_2, not aud_3"]);
  });

  it("fails the check when the leaf hash differs from the one the caller holds", async () => {
    const { gatehouse } = client([json(200, inclusion(3, 7)), keysReply()]);
    const result = await gatehouse.audit.proof({ entryId: "aud_3", leafHash: log.entries[2]?.leafHash });
    expect([result.verified, result.problem]).toEqual([false, expect.stringMatching(/^the server's leaf hash for entry 3 .* differs from yours/)]);
  });

  it("fails the check with a pinned key when the server signs with another key", async () => {
    const { gatehouse } = client([json(200, inclusion(3, 7))]);
    const result = await gatehouse.audit.proof({ entryId: "aud_3", keys: [stranger.vkey] });
    expect([result.verified, result.problem, result.keysFrom]).toEqual([false, "the checkpoint: the note has no signature by a known key", "options"]);
  });

  it("rejects a malformed key before calling anything", async () => {
    const { gatehouse, calls } = client([]);
    const error = await rejection(gatehouse.audit.proof({ entryId: "aud_3", keys: ["not-a-key"] }));
    expect([error instanceof GatehouseError && error.code, calls.length]).toEqual(["INVALID_OPTION", 0]);
  });

  it("throws the typed error when the entry does not exist", async () => {
    const { gatehouse } = client([apiError(404, "NOT_FOUND")]);
    await expect(gatehouse.audit.proof({ entryId: "aud_x" })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("audit.consistency()", () => {
  it("GETs the proof from a size to a size and verifies it", async () => {
    const { gatehouse, calls } = client([json(200, consistency(3, 7)), keysReply()]);
    const result = await gatehouse.audit.consistency({ from: 3, to: 7 });
    expect([calls[0]?.url, result]).toEqual(["http://localhost:4000/v1/audit/proof?from=3&to=7", { ...consistency(3, 7), verified: true, keysFrom: "server" }]);
  });

  it("verifies from a saved checkpoint, asking from its size", async () => {
    const { gatehouse, calls } = client([json(200, consistency(4, 7)), keysReply()]);
    const result = await gatehouse.audit.consistency({ since: log.note(4) });
    expect([calls[0]?.url, result.verified, result.problem]).toEqual(["http://localhost:4000/v1/audit/proof?from=4", true, undefined]);
  });

  it("fails the check when the log was rewritten since the saved checkpoint", async () => {
    // The saved checkpoint is of the fork: same key, same size, other entries.
    const { gatehouse } = client([json(200, consistency(4, 7)), keysReply()]);
    const result = await gatehouse.audit.consistency({ since: fork.note(4) });
    expect([result.verified, result.problem]).toEqual([
      false,
      expect.stringMatching(/^the log's tree of size 4 has root .*, but your saved checkpoint says .*: the log was rewritten, not only appended to$/),
    ]);
  });

  it("fails the check for a saved checkpoint signed by a key it does not trust", async () => {
    const { gatehouse } = client([json(200, consistency(4, 7))]);
    const other = buildLog(4, { key: stranger });
    const result = await gatehouse.audit.consistency({ since: other.note(4), keys: [log.vkey] });
    expect([result.verified, result.problem]).toEqual([false, "your saved checkpoint: the note has no signature by a known key"]);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["a hash of the proof changed", { proof: log.consistency(3, 7).map((h, i) => (i === 0 ? flip(h) : h)) }, /does not show the tree of size 3 is a prefix of the tree of size 7/],
    [
      "an older root that is not a prefix",
      { fromRootHash: fork.root(3) },
      /^the proof does not show the tree of size 3 is a prefix of the tree of size 7: the proof does not lead to the root of size 3$/,
    ],
    ["no checkpoint of the later size", { checkpoint: null }, /no signed checkpoint of tree size 7/],
  ])("fails the check for %s", async (_case, overrides, problem) => {
    const { gatehouse } = client([json(200, consistency(3, 7, overrides)), keysReply()]);
    const result = await gatehouse.audit.consistency({ from: 3, to: 7 });
    expect([result.verified, result.problem]).toEqual([false, expect.stringMatching(problem)]);
  });

  it("rejects since that is not a signed checkpoint, and from that contradicts it, before calling anything", async () => {
    const { gatehouse, calls } = client([]);
    const errors = await Promise.all([rejection(gatehouse.audit.consistency({ since: "hello\n" })), rejection(gatehouse.audit.consistency({ since: log.note(4), from: 3 }))]);
    expect([errors.map((e) => (e as GatehouseError).code), calls.length]).toEqual([["INVALID_OPTION", "INVALID_OPTION"], 0]);
  });
});

describe("verify()", () => {
  const answer = { valid: true, checkedEntries: 7, checkedCheckpoints: 2, firstBrokenSeq: null, treeSize: 7, rootHash: log.root(7), problem: null, unsignedEntries: 0 };

  it("audit.verify() POSTs /v1/audit/verify and returns the server's report", async () => {
    const { gatehouse, calls } = client([json(200, answer)]);
    await expect(gatehouse.audit.verify()).resolves.toEqual(answer);
    expect([calls[0]?.init.method, calls[0]?.url]).toEqual(["POST", "http://localhost:4000/v1/audit/verify"]);
  });

  it("gatehouse.verify() is the same call", async () => {
    const { gatehouse, calls } = client([json(200, answer)]);
    await expect(gatehouse.verify()).resolves.toEqual(answer);
    expect(calls[0]?.url).toBe("http://localhost:4000/v1/audit/verify");
  });
});

/** A reply streaming `chunks`, each only once the previous one was read; `log` records what happened in order. */
function streamed(chunks: string[], headers: Record<string, string>, events: string[]): Reply {
  return async () => {
    const encoder = new TextEncoder();
    let next = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = chunks[next];
        if (chunk === undefined) {
          controller.close();
          return;
        }
        events.push(`sent ${next}`);
        next += 1;
        controller.enqueue(encoder.encode(chunk));
      },
    });
    return new Response(body, { status: 200, headers });
  };
}

const EXPORT_HEADERS = {
  "content-type": "application/x-ndjson; charset=utf-8",
  "content-disposition": 'attachment; filename="gatehouse-audit-acme-7-2025.jsonl"',
  "x-gatehouse-tree-size": "7",
};

describe("audit.export()", () => {
  it("GETs /v1/audit/export with the filters as the query", async () => {
    const { gatehouse, calls } = client([streamed([], EXPORT_HEADERS, [])]);
    await gatehouse.audit.export({ format: "csv", from: new Date("2025-06-01T00:00:00Z"), to: "2025-06-02T00:00:00Z", agentId: "agt_1", type: "action.denied", sinceSize: 3 });
    expect(calls[0]?.url).toBe(
      "http://localhost:4000/v1/audit/export?format=csv&from=2025-06-01T00%3A00%3A00.000Z&to=2025-06-02T00%3A00%3A00Z&agentId=agt_1&type=action.denied&sinceSize=3",
    );
  });

  it("answers the tree size, file name and type from the headers", async () => {
    const { gatehouse } = client([streamed([], EXPORT_HEADERS, [])]);
    const exported = await gatehouse.audit.export();
    expect([exported.treeSize, exported.filename, exported.contentType]).toEqual([7, "gatehouse-audit-acme-7-2025.jsonl", "application/x-ndjson; charset=utf-8"]);
  });

  it("hands each chunk over as it arrives, without reading the body ahead", async () => {
    const events: string[] = [];
    const { gatehouse } = client([streamed(["a\n", "b\n", "c\n"], EXPORT_HEADERS, events)]);
    for await (const chunk of await gatehouse.audit.export()) events.push(`got ${new TextDecoder().decode(chunk).trim()}`);
    // The stream may pull one chunk ahead of the reader, never the whole body.
    expect(events.indexOf("got a")).toBeLessThan(events.indexOf("sent 2"));
  });

  it("streams a bundle that verifyBundle (from @gatehouse/sdk/verify) checks as it downloads", async () => {
    const text = log.bundle([4, 7]);
    const { gatehouse } = client([streamed(text.match(/[^]{1,97}/g) ?? [], EXPORT_HEADERS, [])]);
    const report: BundleReport = await verifyBundle(await gatehouse.audit.export(), { keys: [log.vkey] });
    expect(report).toMatchObject({ valid: true, checkedEntries: 7, checkedCheckpoints: 2, treeSize: 7, rootHash: log.root(7), keysFrom: "options" });
  });

  it("retries a 503 before the download starts", async () => {
    const { gatehouse, calls, sleeps } = client([apiError(503, "UNAVAILABLE"), streamed(["x\n"], EXPORT_HEADERS, [])]);
    const chunks: Uint8Array[] = [];
    for await (const chunk of await gatehouse.audit.export()) chunks.push(chunk);
    expect([calls.length, sleeps, Buffer.concat(chunks).toString()]).toEqual([2, [500], "x\n"]);
  });

  it("throws the typed error of a refused export, without retrying", async () => {
    const { gatehouse, calls } = client([apiError(400, "VALIDATION")]);
    const error = await rejection(gatehouse.audit.export({ from: "yesterday" }));
    expect([error instanceof BadRequestError, calls.length]).toEqual([true, 1]);
  });

  it("rejects the iteration with APIConnectionError when the body breaks off", async () => {
    const broken: Reply = async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode("a\n"));
            controller.error(new Error("socket hang up"));
          },
        }),
        { status: 200, headers: EXPORT_HEADERS },
      );
    const { gatehouse } = client([broken]);
    const exported = await gatehouse.audit.export();
    const error = await rejection(
      (async () => {
        for await (const _chunk of exported);
      })(),
    );
    expect(error).toMatchObject({ name: "APIConnectionError", message: expect.stringContaining("broke off: socket hang up") });
  });

  it("rejects the iteration with APITimeoutError when the body stalls longer than timeout", async () => {
    const stalled: Reply = async () => new Response(new ReadableStream<Uint8Array>({ pull: () => new Promise(() => undefined) }), { status: 200, headers: EXPORT_HEADERS });
    const { gatehouse } = client([stalled], { timeout: 20 });
    const exported = await gatehouse.audit.export();
    const error = await rejection(
      (async () => {
        for await (const _chunk of exported);
      })(),
    );
    expect(error).toMatchObject({ name: "APITimeoutError", message: expect.stringContaining("stalled: no data for 20 ms") });
  });

  it("rejects the iteration with APIUserAbortError when the caller aborts", async () => {
    const stop = new AbortController();
    const { gatehouse } = client([streamed(["a\n", "b\n"], EXPORT_HEADERS, [])]);
    const error = await rejection(
      (async () => {
        for await (const _chunk of await gatehouse.audit.export({ signal: stop.signal })) stop.abort();
      })(),
    );
    expect(error).toMatchObject({ name: "APIUserAbortError" });
  });
});

describe("admin.audit", () => {
  it("reads the org's log with the admin key", async () => {
    const { admin, calls } = adminClient([json(200, { events: [event], nextCursor: null })]);
    await admin.audit.list({ agentId: "agt_1" });
    expect([calls[0]?.url, calls[0]?.headers.get("authorization")]).toEqual(["http://localhost:4000/v1/audit?agentId=agt_1", `Bearer ${ADMIN_KEY}`]);
  });

  it("rotateKey() POSTs /v1/admin/audit/keys/rotate with an Idempotency-Key kept across retries", async () => {
    const rotated = {
      keys: [
        { ...signingKey, status: "retired", retiredAt: "2025-06-02T00:00:00.000Z" },
        { ...signingKey, id: "sgk_2", vkey: stranger.vkey },
      ],
      checkpoint: log.checkpoint(7),
    };
    const { admin, calls } = adminClient([apiError(503, "UNAVAILABLE"), json(200, rotated)]);
    await expect(admin.audit.rotateKey()).resolves.toEqual(rotated);
    const keys = calls.map((call) => call.headers.get("idempotency-key"));
    expect([calls[1]?.init.method, calls[1]?.url, typeof keys[0], keys[0]]).toEqual(["POST", "http://localhost:4000/v1/admin/audit/keys/rotate", "string", keys[1]]);
  });

  it("rotateKey() throws PermissionDeniedError for a member who may not rotate", async () => {
    const { admin } = adminClient([apiError(403, "FORBIDDEN")]);
    await expect(admin.audit.rotateKey()).rejects.toBeInstanceOf(PermissionDeniedError);
  });
});
