import { describe, expect, it } from "vitest";
import { verificationSummary, type ChainVerification } from "../src/lib/audit";

const result = (fields: Partial<ChainVerification>): ChainVerification => ({
  valid: true,
  checkedEntries: 1200,
  checkedCheckpoints: 3,
  firstBrokenSeq: null,
  treeSize: 1200,
  rootHash: "ab".repeat(32),
  problem: null,
  unsignedEntries: 0,
  startSize: 0,
  ...fields,
});

describe("verificationSummary (Audit → Verify)", () => {
  it("calls a log valid when a signature covers every entry", () => {
    expect(verificationSummary(result({}))).toEqual({ headline: "The log is valid", counts: "1,200 entries and 3 signed checkpoints checked", unsigned: null, start: null });
  });

  it("says where a log whose oldest months were dropped starts, and counts its seqs from there", () => {
    const summary = verificationSummary(result({ startSize: 5000, treeSize: 6200, unsignedEntries: 2 }));
    expect(summary.start).toBe(
      "The log starts at seq 5,000: the entries before it were dropped under the organization's retention (an audit.pruned entry records each drop). The check began there, from the tree recorded at the drop.",
    );
    expect(summary.headline).toBe("The log is valid up to tree size 6,198");
    expect(summary.unsigned).toMatch(/^2 entries \(seq 6198–6199\) were appended/);
  });

  it.each([
    [3, "The log is valid up to tree size 1,197", "3 entries (seq 1197–1199) were appended while the check ran and are not covered by a signature yet"],
    [1, "The log is valid up to tree size 1,199", "1 entry (seq 1199) was appended while the check ran and is not covered by a signature yet"],
  ])("with %i entries past the last signed checkpoint, says how far it is signed and names them apart", (unsignedEntries, headline, unsigned) => {
    const summary = verificationSummary(result({ unsignedEntries }));
    expect(summary.headline).toBe(headline);
    expect(summary.unsigned).toMatch(new RegExp(`^${unsigned.replace(/[()]/g, "\\$&")}: checked against the log head only\\.`));
  });

  it("says a broken log does not verify, whatever it counted", () => {
    expect(verificationSummary(result({ valid: false, unsignedEntries: 0, problem: "entry 4: …", firstBrokenSeq: 4 }))).toMatchObject({
      headline: "The log does not verify",
      unsigned: null,
    });
  });
});
