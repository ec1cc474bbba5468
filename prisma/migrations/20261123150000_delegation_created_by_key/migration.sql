-- Revocation that revokes (issue 23): the key a delegation was made with, so revoking that key
-- revokes the delegations made with it (and their subtrees). Delegations made before this column
-- have NULL: their key is unknown, so revoking any key of their parent agent revokes them (fail closed).
ALTER TABLE "delegations" ADD COLUMN "created_by_key_id" TEXT;
CREATE INDEX "delegations_org_id_created_by_key_id_idx" ON "delegations"("org_id", "created_by_key_id");
