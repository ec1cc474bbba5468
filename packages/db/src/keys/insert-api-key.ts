import { issueApiKey, newId } from "@gatehouse/core";
import type { Tx } from "../infra/client";

/** Who a new key acts for: an agent (its own key, or its delegation's), or a member (an org admin key). */
export type ApiKeyHolder = { kind: "agent"; agentId: string } | { kind: "admin"; membershipId: string };

/** The inserted key: its row (without the hash) and the secret, which exists only in this answer. */
export interface InsertedApiKey {
  id: string;
  name: string;
  prefix: string;
  plaintext: string;
  expiresAt: Date | null;
}

/**
 * The one place an API key row is written: a fresh `gh_<kind>_<random>` secret, of which only the
 * SHA-256, the lookup prefix and the last four characters are stored. Every service that hands out a
 * key (an agent's first key, another agent key, an admin key, a delegation's key, the seed) calls this
 * inside its own transaction, and records its own audit entry with the answer's `id` and `prefix`.
 */
export async function insertApiKey(
  tx: Tx,
  {
    orgId,
    holder,
    name,
    expiresAt = null,
    refreshDays = null,
  }: { orgId: string; holder: ApiKeyHolder; name?: string | undefined; expiresAt?: Date | null; refreshDays?: number | null },
): Promise<InsertedApiKey> {
  const key = issueApiKey(holder.kind);
  const row = await tx.apiKey.create({
    data: {
      id: newId("apiKey"),
      orgId,
      kind: holder.kind,
      ...(holder.kind === "agent" ? { agentId: holder.agentId } : { membershipId: holder.membershipId }),
      ...(name !== undefined ? { name } : {}),
      prefix: key.prefix,
      keyHash: key.hash,
      lastFour: key.lastFour,
      expiresAt,
      // Only a key that may refresh names its period (a database migrated only part way, as a migration's own test makes, has no such column yet).
      ...(refreshDays !== null ? { refreshDays } : {}),
    },
    select: { id: true, name: true, expiresAt: true },
  });
  return { id: row.id, name: row.name, prefix: key.prefix, plaintext: key.plaintext, expiresAt: row.expiresAt };
}
