import { proofQuerySchema } from "@gatehouse/contracts";
import { conflict, orgWitnessPolicy, validationError, zodIssues } from "@gatehouse/core";
import { formatTlogProof, quorumMet, type WitnessPolicy } from "@gatehouse/tlog";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";
import { checkpointAuditLog } from "./checkpoint-audit-log";
import { entryNotFound, getAuditProof } from "./get-audit-proof";
import { cosignersOf, storedOrgSettings } from "./witness-checkpoints";

/** Checkpoints with cosignatures looked at for one already witnessed: the latest ones. */
const WITNESSED_CANDIDATES = 100;

/** The largest checkpoint above `seq` whose cosignatures meet the policy's quorum (of the latest ones cosigned), or null. */
export async function largestWitnessedSize(orgId: string, policy: WitnessPolicy, above = -1): Promise<number | null> {
  const { rows } = await db().pool.query<{ tree_size: string; keys: string[] }>(
    `SELECT tree_size, array_agg(witness_key) AS keys FROM checkpoint_cosignatures WHERE org_id = $1 AND tree_size > $2
     GROUP BY tree_size ORDER BY tree_size DESC LIMIT ${WITNESSED_CANDIDATES}`,
    [orgId, String(above)],
  );
  for (const row of rows) {
    const names = new Set(policy.witnesses.filter((w) => row.keys.includes(w.verifier.vkey)).map((w) => w.name));
    if (quorumMet(policy, names)) return Number(row.tree_size);
  }
  return null;
}

/**
 * `GET /v1/audit/proof?format=tlog-proof`: one entry's evidence as a C2SP tlog-proof file — its
 * canonical JSON, its inclusion proof and the checkpoint with the witnesses' cosignatures — that
 * `gatehouse verify` checks on its own. With witnesses, the checkpoint is the largest one their
 * quorum cosigned that covers the entry, from the cosignatures kept; when none does yet, a 409 says
 * who has cosigned the latest one (the worker's job asks the witnesses; a read never does). The same
 * scope as inclusion proofs: an agent's key gets its own agent's entries only.
 */
export async function getTlogProof({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<{ text: string; filename: string }> {
  const parsed = proofQuerySchema.safeParse(input ?? {});
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const wanted = parsed.data;
  if (wanted.from !== undefined) throw validationError([{ path: "format", message: "a tlog-proof is one entry's: ask by entryId or seq" }]);
  const orgId = ctx.org.id;
  const ownEntriesOnly = ctx.actor.type === "agent" ? ctx.actor.agentId : null;
  const entry = (
    await db().pool.query<{ id: string; seq: string; canonical: string }>(
      `SELECT id, seq, canonical FROM audit_entries WHERE org_id = $1 AND ${wanted.entryId ? "id = $2" : "seq = $2"} AND ($3::text IS NULL OR agent_id = $3)`,
      [orgId, wanted.entryId ?? String(wanted.seq), ownEntriesOnly],
    )
  ).rows[0];
  if (!entry) throw await entryNotFound(orgId, wanted.seq);
  const seq = Number(entry.seq);
  let treeSize = wanted.treeSize;
  if (treeSize === undefined) {
    const policy = orgWitnessPolicy(await storedOrgSettings(orgId));
    treeSize = policy ? ((await largestWitnessedSize(orgId, policy, seq)) ?? undefined) : undefined;
    if (treeSize === undefined) {
      const fresh = await checkpointAuditLog(orgId);
      if (policy) {
        const by = [...(await cosignersOf(orgId, policy, fresh.treeSize))];
        throw conflict(
          `no checkpoint covering entry ${seq} is cosigned by the witnesses' quorum yet (the latest, of size ${fresh.treeSize}, is cosigned by ${by.length === 0 ? "none of them" : by.join(", ")}); the worker asks the witnesses, and GET /v1/audit/witnesses says where each stands`,
          { treeSize: fresh.treeSize, cosignedBy: by },
        );
      }
      treeSize = fresh.treeSize;
    }
  }
  const proof = await getAuditProof({ ctx, input: { seq, treeSize } });
  if (proof.type !== "inclusion") throw new Error("an inclusion proof was asked for");
  if (!proof.checkpoint) throw validationError([{ path: "treeSize", message: `the log has no signed checkpoint of size ${treeSize}: a proof file needs one` }]);
  const text = formatTlogProof({
    extra: Buffer.from(entry.canonical, "utf8"),
    index: seq,
    proof: proof.proof.map((h) => Buffer.from(h, "hex")),
    checkpoint: proof.checkpoint.note,
  });
  return { text, filename: `${entry.id}.tlog-proof` };
}
