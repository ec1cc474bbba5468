-- Where an org's audit log starts once its oldest months were dropped under its retention (issue 47,
-- docs/adr/0042-audit-entries-partitioned-by-month.md, "Dropping old months"; docs/audit.md, Dropping old months).
--
-- An org with no row here starts at seq 0. A row says the entries below `size` are gone; `chain_hash` is the chain hash
-- after entry size - 1 and `frontier` the Merkle tree's perfect subtrees covering [0, size), largest first, so the
-- verifier, the proofs and the export go on from there and everything from `size` on still verifies against the signed
-- checkpoints. `dropped_before` is the end of the last month dropped. A start only moves forward and is never removed.
CREATE TABLE "audit_log_starts" (
    "org_id" TEXT NOT NULL,
    "size" BIGINT NOT NULL,
    "chain_hash" TEXT NOT NULL,
    "frontier" TEXT[],
    "dropped_before" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_log_starts_pkey" PRIMARY KEY ("org_id"),
    CONSTRAINT "audit_log_starts_size_positive" CHECK ("size" > 0)
);

ALTER TABLE "audit_log_starts" ADD CONSTRAINT "audit_log_starts_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE FUNCTION "gatehouse_audit_start_forward"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."org_id" <> OLD."org_id" OR NEW."size" < OLD."size" THEN
    RAISE EXCEPTION 'an audit log start only moves forward (org %, % to %)', OLD."org_id", OLD."size", NEW."size"
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "audit_log_starts_forward" BEFORE UPDATE ON "audit_log_starts"
  FOR EACH ROW EXECUTE FUNCTION "gatehouse_audit_start_forward"();
CREATE TRIGGER "audit_log_starts_kept" BEFORE DELETE ON "audit_log_starts"
  FOR EACH ROW EXECUTE FUNCTION "gatehouse_refuse_change"();
CREATE TRIGGER "audit_log_starts_no_truncate" BEFORE TRUNCATE ON "audit_log_starts"
  FOR EACH STATEMENT EXECUTE FUNCTION "gatehouse_refuse_change"();
