import type { PolicyTestCase } from "@gatehouse/core";
import { db } from "../infra/client";

/** The tests published with the org's active set (empty when none), as `GET /v1/admin/policies` answers them. */
export async function getPolicyTests(orgId: string): Promise<PolicyTestCase[]> {
  const row = await db().policyTestSet.findUnique({ where: { orgId } });
  return row ? (row.tests as unknown as PolicyTestCase[]) : [];
}
