import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cosign,
  formatCheckpoint,
  formatTlogProof,
  generateCosigner,
  generateSigner,
  hashLeaf,
  inclusionProof,
  parseWitnessPolicy,
  quorumMet,
  signNote,
  sourceOf,
  TreeBuilder,
  verifyCosignatures,
  verifyTlogProof,
  type StoredNode,
} from "../src/index";

// C2SP tlog-cosignature, tlog-policy and tlog-proof as the witnesses' part of the log uses them (docs/audit.md, Witnesses).
const log = generateSigner("gatehouse/org_test");
const w1 = generateCosigner("witness.test/w1");
const w2 = generateCosigner("witness.test/w2");
const w3 = generateCosigner("witness.test/w3");

describe("cosignatures", () => {
  const text = formatCheckpoint("gatehouse/org_test", 3, Buffer.alloc(32, 1));
  const note = signNote(text, [log.signer]);
  it("a cosignature line verifies with its witness key and carries its timestamp; the log's own line is ignored", () => {
    const cosigned = `${note}${cosign(text, w1.cosigner, 1_700_000_000)}`;
    const key = parseWitnessPolicy(`witness a ${w1.vkey}\nquorum a\n`).witnesses[0]!.verifier;
    expect(verifyCosignatures(cosigned, [key])).toEqual([{ name: "witness.test/w1", vkey: w1.vkey, timestamp: 1_700_000_000 }]);
  });
  it("a cosignature moved onto another checkpoint does not verify", () => {
    const line = cosign(text, w1.cosigner, 1_700_000_000);
    const other = signNote(formatCheckpoint("gatehouse/org_test", 3, Buffer.alloc(32, 2)), [log.signer]);
    const key = parseWitnessPolicy(`witness a ${w1.vkey}\nquorum a\n`).witnesses[0]!.verifier;
    expect(() => verifyCosignatures(`${other}${line}`, [key])).toThrow("the cosignature by witness.test/w1 does not verify");
  });
  it("a zero timestamp is refused when signing", () => {
    expect(() => cosign(text, w1.cosigner, 0)).toThrow(/timestamp/);
  });
});

describe("tlog-policy", () => {
  const base = `log ${log.vkey}\nwitness w1 ${w1.vkey} https://w1.example\nwitness w2 ${w2.vkey}\n`;
  it.each([
    [`${base}quorum w9\n`, /line 4: "w9" is not defined/],
    [`${base}group g 3 w1 w2\nquorum g\n`, /line 4: a threshold of 3 out of 2 members can never be met/],
    [`${base}group g any w1 w1\nquorum g\n`, /line 4: "w1" is listed twice/],
    [`${base}group g any w1 none\nquorum g\n`, /none cannot be a group member/],
    [`${base}quorum w1\nquorum w2\n`, /a second quorum line/],
    [base, /exactly one quorum line/],
    [`${base}witness w3 ${w1.vkey}\nquorum w1\n`, /already listed/],
    [`${base}witness w1 ${w3.vkey}\nquorum w1\n`, /"w1" is already defined/],
    [`${base}witness w3 ${log.vkey}\nquorum w1\n`, /type 0x04/],
    [`${base}log ${w3.vkey}\nquorum w1\n`, /the log key/],
    [`${base}witness w3 ${w3.vkey} ftp://x\nquorum w1\n`, /http or https/],
    [`${base}frobnicate\nquorum w1\n`, /unknown line "frobnicate"/],
    [`${base}quorum w1\n\u0007\n`, /control characters/],
  ])("refuses a policy that breaks the spec (%#), naming the line", (text, problem) => {
    expect(() => parseWitnessPolicy(text)).toThrow(problem);
  });
  it("reads comments, blank lines, tabs and the spec's two-level example", () => {
    const policy = parseWitnessPolicy(`# two organisations\n\t${base}\nwitness w3 ${w3.vkey}\ngroup X 2 w1 w2 w3\ngroup Y any w3\n  group XY all X Y  \nquorum XY\n`);
    expect(policy.groups.map((g) => [g.name, g.threshold])).toEqual([
      ["X", 2],
      ["Y", 1],
      ["XY", 2],
    ]);
    expect(quorumMet(policy, new Set(["w1", "w3"]))).toBe(true);
    expect(quorumMet(policy, new Set(["w1", "w2"]))).toBe(false);
  });

  it("quorumMet is the spec's k-of-n over nested groups, for any generated policy and set of cosigners", () => {
    // A generated policy: n witnesses, then groups over earlier names with a threshold, the quorum the last name.
    const arbitraryPolicy = fc.integer({ min: 1, max: 6 }).chain((n) =>
      fc.array(fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.nat()), { maxLength: 5 }).map((groups) => {
        const names = Array.from({ length: n }, (_, i) => `w${i}`);
        const defs: Array<{ name: string; members: string[]; k: number }> = [];
        for (const [picks, kSeed] of groups) {
          const members = [...new Set(picks.map((p) => names[p % names.length] as string))];
          const def = { name: `g${defs.length}`, members, k: 1 + (kSeed % members.length) };
          defs.push(def);
          names.push(def.name);
        }
        return { n, defs, quorum: names[names.length - 1] as string };
      }),
    );
    const keys = Array.from({ length: 6 }, (_, i) => generateCosigner(`witness.test/p${i}`).vkey);
    fc.assert(
      fc.property(arbitraryPolicy, fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), ({ n, defs, quorum }, signed) => {
        const text = [
          ...Array.from({ length: n }, (_, i) => `witness w${i} ${keys[i]}`),
          ...defs.map((d) => `group ${d.name} ${d.k} ${d.members.join(" ")}`),
          `quorum ${quorum}`,
        ].join("\n");
        const cosigned = new Set(Array.from({ length: n }, (_, i) => `w${i}`).filter((_, i) => signed[i]));
        // The spec's meaning, written out: a witness witnessed if it cosigned; a group if at least k of its members did.
        const byName = new Map(defs.map((d) => [d.name, d]));
        const witnessed = (name: string): boolean => {
          const def = byName.get(name);
          return def ? def.members.filter(witnessed).length >= def.k : cosigned.has(name);
        };
        expect(quorumMet(parseWitnessPolicy(text), cosigned)).toBe(witnessed(quorum));
      }),
      { numRuns: 300, seed: 45 },
    );
  });
});

describe("tlog-proof files", () => {
  const entries = ['{"seq":0}', '{"seq":1}', '{"seq":2}', '{"seq":3}', '{"seq":4}'];
  const tree = new TreeBuilder();
  const nodes: StoredNode[] = [];
  entries.forEach((e, index) => {
    const leaf = hashLeaf(e);
    nodes.push({ level: 0, index, hash: leaf });
    tree.push(leaf);
  });
  // Interior nodes for the proof: every complete subtree.
  for (let level = 1; 1 << level <= entries.length; level += 1) {
    for (let index = 0; (index + 1) << level <= entries.length; index += 1) {
      const b = new TreeBuilder();
      for (const e of entries.slice(index << level, (index + 1) << level)) b.push(hashLeaf(e));
      nodes.push({ level, index, hash: b.root() });
    }
  }
  const text = formatCheckpoint("gatehouse/org_test", entries.length, tree.root());
  const note = `${signNote(text, [log.signer])}${cosign(text, w1.cosigner, 1_700_000_000)}${cosign(text, w2.cosigner, 1_700_000_001)}`;
  const file = formatTlogProof({ extra: Buffer.from(entries[3] as string), index: 3, proof: inclusionProof(3, entries.length, sourceOf(nodes)), checkpoint: note });
  const policy = `log ${log.vkey}\nwitness a ${w1.vkey}\nwitness b ${w2.vkey}\ngroup both all a b\nquorum both\n`;

  it("verifies on its own with the policy, and says which witnesses cosigned", () => {
    expect(verifyTlogProof(file, { policy })).toMatchObject({ valid: true, index: 3, treeSize: 5, entry: { seq: 3 }, cosignedBy: ["a", "b"], quorum: "all of a, b" });
  });
  it("fails when the quorum is not met, the entry is altered, the index moved, or the log key is another's", () => {
    const third = generateCosigner("witness.test/c");
    expect(verifyTlogProof(file, { policy: policy.replace("group both all a b", `witness c ${third.vkey}\ngroup both all a b c`) }).problem).toMatch(
      /quorum \(all of a, b, c\) is not met/,
    );
    expect(verifyTlogProof(file.replace(/^extra .*$/m, `extra ${Buffer.from('{"seq":9}').toString("base64")}`), { policy }).problem).toMatch(/is not at index 3/);
    expect(verifyTlogProof(file.replace("index 3", "index 2"), { policy }).valid).toBe(false);
    expect(verifyTlogProof(file, { keys: [generateSigner("gatehouse/org_test").vkey] }).problem).toMatch(/no signature by a known key/);
    expect(verifyTlogProof("not a proof", { policy }).problem).toMatch(/blank line/);
  });
});
