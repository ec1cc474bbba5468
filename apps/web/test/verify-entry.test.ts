import { formatCheckpoint, generateSigner, hashChildren, hashLeaf, inclusionProof, signNote, toHex, TreeBuilder, type NodeSource } from "@gatehouse/tlog";
import { describe, expect, it } from "vitest";
import { verifyEntryInclusion, type InclusionClaim } from "../src/lib/verify-entry";

/**
 * The audit page's in-browser check of one entry (Audit → entry → Verify), on @gatehouse/tlog's
 * portable code: a proof the log's own (node:crypto) code made passes every step; each kind of
 * tampering fails at the step that catches it.
 */
const canonicals = Array.from({ length: 7 }, (_, seq) => JSON.stringify({ seq, type: "action.decided", data: { actionType: `pr.open.${seq}` } }));
const leaves = canonicals.map((text) => hashLeaf(text));
const tree = new TreeBuilder();
for (const leaf of leaves) tree.push(leaf);
const node: NodeSource = (level, index) => (level === 0 ? (leaves[index] as Buffer) : hashChildren(node(level - 1, 2 * index), node(level - 1, 2 * index + 1)));
const { signer, vkey } = generateSigner("gatehouse.test/org_verify");
const other = generateSigner("gatehouse.test/org_verify");

function claimFor(seq: number, options: { root?: Buffer; signers?: (typeof signer)[] } = {}): InclusionClaim {
  const leafHash = toHex(leaves[seq] as Buffer);
  const note = signNote(formatCheckpoint("gatehouse.test/org_verify", tree.size, options.root ?? tree.root()), options.signers ?? [signer]);
  return {
    seq,
    leafHash,
    canonical: canonicals[seq] as string,
    proof: { seq, leafHash, treeSize: tree.size, proof: inclusionProof(seq, tree.size, node).map(toHex), checkpoint: { note } },
    vkeys: [vkey],
  };
}

const flip = (hex: string) => `${hex[0] === "0" ? "1" : "0"}${hex.slice(1)}`;
const failedAt = async (claim: InclusionClaim) => {
  const verdict = await verifyEntryInclusion(claim);
  return { valid: verdict.valid, failed: verdict.steps.find((step) => !step.ok)?.label ?? null };
};

describe("verifyEntryInclusion", () => {
  it.each([0, 3, 6])("passes a valid proof of entry %i through every step", async (seq) => {
    const verdict = await verifyEntryInclusion(claimFor(seq));
    expect(verdict).toMatchObject({ valid: true });
    expect(verdict.steps.map((step) => [step.label, step.ok])).toEqual([
      ["Leaf", true],
      ["Audit path", true],
      ["Checkpoint", true],
      ["Signature", true],
    ]);
  });

  const tampered: Array<[string, () => InclusionClaim, string]> = [
    ["a changed leaf (the entry's text)", () => ({ ...claimFor(3), canonical: canonicals[3]!.replace("pr.open.3", "pr.open.4") }), "Leaf"],
    [
      "a changed leaf hash (listed and proven alike)",
      () => {
        const claim = claimFor(3);
        return { ...claim, leafHash: flip(claim.leafHash), proof: { ...claim.proof, leafHash: flip(claim.leafHash) } };
      },
      "Leaf",
    ],
    ["a proof for another entry", () => ({ ...claimFor(3), proof: claimFor(2).proof }), "Leaf"],
    [
      "a changed path element",
      () => {
        const claim = claimFor(3);
        return { ...claim, proof: { ...claim.proof, proof: claim.proof.proof.map((hash, i) => (i === 1 ? flip(hash) : hash)) } };
      },
      "Checkpoint",
    ],
    [
      "a path element left out",
      () => {
        const claim = claimFor(3);
        return { ...claim, proof: { ...claim.proof, proof: claim.proof.proof.slice(1) } };
      },
      "Audit path",
    ],
    ["a wrong root (a checkpoint signed over another root)", () => claimFor(3, { root: hashLeaf("another tree") }), "Checkpoint"],
    ["a wrong signature (a key the org did not publish)", () => claimFor(3, { signers: [other.signer] }), "Signature"],
    [
      "a wrong signature (the note's text altered after signing)",
      () => {
        const claim = claimFor(3);
        const note = claim.proof.checkpoint!.note;
        const forged = note.replace(/^(.*\n)/, (origin) => origin.replace("org_verify", "org_verifx"));
        return { ...claim, proof: { ...claim.proof, checkpoint: { note: forged } } };
      },
      "Signature",
    ],
    [
      "a wrong signature (signature bytes changed)",
      () => {
        const claim = claimFor(3);
        const note = claim.proof.checkpoint!.note;
        const line = note.slice(note.lastIndexOf("\n\n") + 2, -1);
        const blob = Buffer.from(line.split(" ")[2]!, "base64");
        blob.writeUInt8(blob.readUInt8(blob.length - 1) ^ 0x01, blob.length - 1);
        return { ...claim, proof: { ...claim.proof, checkpoint: { note: note.replace(line, `${line.split(" ").slice(0, 2).join(" ")} ${blob.toString("base64")}`) } } };
      },
      "Signature",
    ],
    ["no checkpoint", () => ({ ...claimFor(3), proof: { ...claimFor(3).proof, checkpoint: null } }), "Checkpoint"],
  ];
  it.each(tampered)("fails %s", async (_name, claim, step) => {
    expect(await failedAt(claim())).toEqual({ valid: false, failed: step });
  });
});
