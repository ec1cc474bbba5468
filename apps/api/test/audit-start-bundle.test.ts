import { createHash } from "node:crypto";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import { verifyBundle } from "@gatehouse/tlog";
import { beforeAll, describe, expect, it } from "vitest";
import { Gatehouse, GatehouseAdmin } from "../../../packages/sdk/src/index.ts";
import { listeningApp } from "./helpers";
import { independentlyVerify } from "./independent-verifier";

// A log whose oldest months were dropped (docs/audit.md, Dropping old months) exports a bundle that starts with the
// tree's frontier there. The independent verifier, written from the public specs and sharing no code with
// packages/tlog, checks such a bundle as the offline verifier does. The bundle is a real export, cut where a drop would
// cut it (the drop itself, and the server's start line, are packages/db/test/audit-drop-months.test.ts).

const server = listeningApp();
const sha256 = (...parts: Buffer[]) => createHash("sha256").update(Buffer.concat(parts)).digest();
/** RFC 6962 MTH, here only to cut the bundle: the frontier's subtree hashes. */
const mth = (leaves: Buffer[]): Buffer => {
  if (leaves.length === 1) return leaves[0] as Buffer;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha256(Buffer.from([1]), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
};

/** The whole bundle `lines` as it would be exported once its entries before `start` were dropped. */
function cutAt(lines: string[], start: number): string {
  const records = lines.map((line) => JSON.parse(line) as { type: string; seq?: number; size?: number; leafHash?: string });
  const leaves = records.filter((r) => r.type === "entry" && (r.seq as number) < start).map((r) => Buffer.from(r.leafHash as string, "hex"));
  const frontier: string[] = [];
  for (let lo = 0, bit = 52; bit >= 0; bit -= 1) {
    const width = 2 ** bit;
    if (Math.floor(start / width) % 2 === 0) continue;
    frontier.push(mth(leaves.slice(lo, lo + width)).toString("hex"));
    lo += width;
  }
  const kept = lines.filter((_, i) => {
    const r = records[i] as { type: string; seq?: number; size?: number };
    return r.type === "entry" ? (r.seq as number) >= start : r.type === "checkpoint" ? (r.size as number) >= start : true;
  });
  const firstOther = kept.findIndex((line) => !line.startsWith('{"type":"bundle"') && !line.startsWith('{"type":"key"'));
  kept.splice(firstOther, 0, JSON.stringify({ type: "start", size: start, frontier }));
  return `${kept.join("\n")}\n`;
}

describe("the independent verifier and a bundle that starts where its log now starts", () => {
  let org: TestOrg;
  let lines: string[];
  let keys: string[];

  beforeAll(async () => {
    org = await createTestOrg({ label: "start-bundle", policies: [{ name: "tickets", actions: ["ticket.*"], effect: "allow" }] as never });
    const admin = new GatehouseAdmin({ apiKey: org.adminKey.apiKey, baseUrl: server.url, maxRetries: 0 });
    const agent = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: server.url, maxRetries: 0 });
    // Enough entries, and checkpoints among them, that starts fall inside, at and between checkpoints.
    for (let i = 0; i < 3; i += 1) {
      for (let j = 0; j < 5; j += 1) await agent.execute("ticket.read", { metadata: { ticket: `T-${i}-${j}` } });
      await admin.audit.verify();
    }
    let text = "";
    const decoder = new TextDecoder();
    for await (const chunk of await admin.audit.export()) text += decoder.decode(chunk, { stream: true });
    lines = text.split("\n").filter((line) => line.length > 0);
    keys = (await admin.audit.keys()).keys.map((k) => k.vkey);
    expect(independentlyVerify(text, keys)).toBeNull();
  });

  it("accepts the bundle cut at every start, as the offline verifier does", async () => {
    const size = lines.filter((line) => line.startsWith('{"type":"entry"')).length;
    expect(size).toBeGreaterThan(15);
    for (let start = 1; start < size; start += 1) {
      const cut = cutAt(lines, start);
      expect([start, independentlyVerify(cut, keys)]).toEqual([start, null]);
      expect(await verifyBundle(cut, { keys })).toMatchObject({ valid: true, startSize: start });
    }
  });

  it("refuses a forged frontier, an entry dropped after the start, and a checkpoint from before it", async () => {
    const sizes = lines.filter((line) => line.startsWith('{"type":"checkpoint"')).map((line) => (JSON.parse(line) as { size: number }).size);
    const early = Math.min(...sizes);
    const start = early + 2;
    const cut = cutAt(lines, start);
    const forged = cut.replace(/"frontier":\["[0-9a-f]{64}/, `"frontier":["${"0".repeat(64)}`);
    expect(independentlyVerify(forged, keys)).toMatch(/root does not match the entries/);
    expect(await verifyBundle(forged, { keys })).toMatchObject({ valid: false });
    const gap = cut.replace(new RegExp(`\\{"type":"entry","seq":${start + 1},[^\\n]*\\n`), "");
    expect(independentlyVerify(gap, keys)).toBe(`entry ${start + 2}: out of place`);
    const line = lines.find((l) => l.startsWith('{"type":"checkpoint"') && (JSON.parse(l) as { size: number }).size === early) as string;
    expect(independentlyVerify(cut.replace('{"type":"start"', `${line}\n{"type":"start"`), keys)).toBe(`checkpoint ${early}: beyond the entries`);
    expect(independentlyVerify(cut.replace(/(\{"type":"start"[^\n]*\n)/, `$1${line}\n`), keys)).toMatch(/before the log's start/);
  });
});
