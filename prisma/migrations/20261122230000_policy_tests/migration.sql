-- Tests that travel with a policy set (issue 16): the tests published with the org's active set,
-- replaced by each full apply (PUT /v1/admin/policies) in the transaction that publishes the
-- policies, and returned with them (GET /v1/admin/policies, `gatehouse policies export`).
CREATE TABLE "policy_test_sets" (
  "org_id" TEXT NOT NULL PRIMARY KEY REFERENCES "orgs"("id") ON DELETE CASCADE,
  "tests" JSONB NOT NULL DEFAULT '[]',
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
