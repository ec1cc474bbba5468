-- The audit log's Merkle tree (issue 5). The head row carries the tree's frontier: the hashes of
-- its perfect subtrees, largest first, one per set bit of `size`. Appends extend it and store each
-- interior node they complete in merkle_nodes, so proofs read O(log n) rows and a checkpoint needs
-- only the head. Logs written before this migration have an empty frontier; the first append or
-- checkpoint rebuilds their nodes from the stored leaves.
-- (Nullable like every list column Prisma creates; code reads NULL as an empty frontier.)
ALTER TABLE "audit_log_heads" ADD COLUMN "frontier" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- One checkpoint per tree size: instances racing to checkpoint the same size keep the first, and a
-- second, different root for a size (a fork) cannot be stored.
DROP INDEX "checkpoints_org_id_tree_size_idx";
CREATE UNIQUE INDEX "checkpoints_org_id_tree_size_key" ON "checkpoints"("org_id", "tree_size");

-- At most one active signing key per org; rotation retires the old one in the same transaction.
CREATE UNIQUE INDEX "signing_keys_one_active_per_org" ON "signing_keys"("org_id") WHERE "status" = 'active';
