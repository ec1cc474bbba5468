import type { WitnessStatus } from "@gatehouse/contracts";
import { describeQuorum, quorumMet } from "@gatehouse/tlog";
import { orgWitnessPolicy, witnessSettings } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { db } from "../infra/client";
import { cosignersOf, storedOrgSettings } from "./witness-checkpoints";
import { largestWitnessedSize } from "./tlog-proof";

/** `GET /v1/audit/witnesses`: the policy, the latest checkpoint's cosignatures, and each witness's last answer. */
export async function getWitnessStatus({ ctx }: { ctx: Ctx }): Promise<WitnessStatus> {
  requirePermission(ctx, "audit.verify");
  return readWitnessStatus(ctx.org.id);
}

/** Where the org's witnesses stand (also the governance health's `witnesses` item): a handful of indexed reads. */
export async function readWitnessStatus(orgId: string): Promise<WitnessStatus> {
  const settings = await storedOrgSettings(orgId);
  const { policy: text } = witnessSettings(settings);
  const policy = orgWitnessPolicy(settings);
  const latest = (
    await db().pool.query<{ tree_size: string; created_at: Date }>(`SELECT tree_size, created_at FROM checkpoints WHERE org_id = $1 ORDER BY tree_size DESC LIMIT 1`, [orgId])
  ).rows[0];
  const checkpoint = (cosignedBy: string[], quorumMet: boolean) =>
    latest ? { treeSize: Number(latest.tree_size), createdAt: latest.created_at.toISOString(), cosignedBy, quorumMet } : null;
  if (!policy) return { policy: text, quorum: null, latestCheckpoint: checkpoint([], true), witnessedTreeSize: null, witnesses: [] };
  const states = await db().pool.query<{
    witness_key: string;
    size: string;
    last_attempt_at: Date | null;
    last_cosigned_at: Date | null;
    last_status: number | null;
    last_error: string | null;
  }>(`SELECT witness_key, size, last_attempt_at, last_cosigned_at, last_status, last_error FROM witness_states WHERE org_id = $1`, [orgId]);
  const stateOf = new Map(states.rows.map((r) => [r.witness_key, r]));
  const cosignedBy = latest ? await cosignersOf(orgId, policy, Number(latest.tree_size)) : new Set<string>();
  return {
    policy: text,
    quorum: describeQuorum(policy),
    latestCheckpoint: checkpoint([...cosignedBy], quorumMet(policy, cosignedBy)),
    witnessedTreeSize: await largestWitnessedSize(orgId, policy),
    witnesses: policy.witnesses.map((w) => {
      const state = stateOf.get(w.verifier.vkey);
      return {
        name: w.name,
        vkey: w.verifier.vkey,
        url: w.url,
        cosignedSize: Number(state?.size ?? 0),
        lastAttemptAt: state?.last_attempt_at?.toISOString() ?? null,
        lastCosignedAt: state?.last_cosigned_at?.toISOString() ?? null,
        lastStatus: state?.last_status ?? null,
        lastError: state?.last_error ?? null,
      };
    }),
  };
}
