-- All three append-only audit tables refuse TRUNCATE, as they refuse UPDATE and DELETE (the init
-- migration guarded audit_entries only; docs/audit.md names all three, and a test holds the two together).
CREATE TRIGGER "merkle_nodes_no_truncate" BEFORE TRUNCATE ON "merkle_nodes"
  FOR EACH STATEMENT EXECUTE FUNCTION "gatehouse_refuse_change"();
CREATE TRIGGER "checkpoints_no_truncate" BEFORE TRUNCATE ON "checkpoints"
  FOR EACH STATEMENT EXECUTE FUNCTION "gatehouse_refuse_change"();
