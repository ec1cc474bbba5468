import type { PolicyTestCase } from "@gatehouse/core";
import type { Prisma } from "../generated/prisma/client";
import type { Tx } from "../infra/client";

/** Replaces the org's published tests, inside the transaction that publishes its set; none removes the row. */
export async function storePolicyTests(tx: Tx, orgId: string, tests: readonly PolicyTestCase[]): Promise<void> {
  if (tests.length === 0) {
    await tx.policyTestSet.deleteMany({ where: { orgId } });
    return;
  }
  const json = tests as unknown as Prisma.InputJsonArray;
  await tx.policyTestSet.upsert({ where: { orgId }, create: { orgId, tests: json }, update: { tests: json, updatedAt: new Date() } });
}
