-- Two database roles (issue 62, docs/adr/0044-owner-and-runtime-database-roles.md): the owner role runs the migrations and
-- the month drops and owns every table, trigger and function; the runtime role (DATABASE_URL of the API, the console
-- and the worker) gets only what the product does. On the audit tables that is reading and appending, and of an entry
-- only its `fields` column (a field's erasure, which audit_entries_erasure_only checks); never DELETE, TRUNCATE, ALTER,
-- DROP or a trigger's removal, which only an owner may do. `npm run db:migrate` calls gatehouse_grant_runtime(<the role
-- of DATABASE_URL>) after every run when it migrates as DATABASE_OWNER_URL, so a table a later migration adds is granted too.
-- With one role for both (DATABASE_OWNER_URL unset: `npm start`, the tests) nothing here is called and nothing changes.

-- 1. The worker's job `audit-partitions` creates next months' partitions, which only the owner of audit_entries may attach:
--    the function runs as its owner, for whoever may call it (the runtime role, granted below), with a fixed search path so
--    no object of the caller's (a temporary table named audit_entries) stands in for the owner's.
ALTER FUNCTION "gatehouse_audit_partitions_ahead"(integer) SECURITY DEFINER;
DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION "gatehouse_audit_partitions_ahead"(integer) SET search_path = %I, pg_temp', current_schema());
END;
$$;

-- 2. What the runtime role may do. Idempotent: every GRANT and REVOKE states the privilege as it must be, whatever was there.
CREATE FUNCTION "gatehouse_grant_runtime"(runtime name) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  here text := current_schema();
  evidence text;
  part text;
BEGIN
  IF runtime IS NULL OR NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = runtime) THEN
    RAISE EXCEPTION 'no role %', runtime USING ERRCODE = 'undefined_object';
  END IF;
  -- Nothing the runtime role may create in the schema (PostgreSQL 15 and later refuse it to PUBLIC already).
  EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM PUBLIC', here);
  EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM %I', here, runtime);
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', here, runtime);
  -- Every table: rows only (no TRUNCATE, REFERENCES or TRIGGER); the migrations' own record stays the owner's.
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', here, runtime);
  EXECUTE format('REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA %I FROM %I', here, runtime);
  EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', here, runtime);
  EXECUTE format('REVOKE ALL ON "_prisma_migrations" FROM %I', runtime);
  -- What holds evidence: read and append.
  FOREACH evidence IN ARRAY ARRAY['audit_entries', 'merkle_nodes', 'checkpoints', 'checkpoint_cosignatures', 'audit_log_starts', 'audit_log_heads', 'signing_keys'] LOOP
    EXECUTE format('REVOKE ALL ON %I FROM %I', evidence, runtime);
    EXECUTE format('GRANT SELECT ON %I TO %I', evidence, runtime);
  END LOOP;
  EXECUTE format('GRANT INSERT ON "audit_entries", "merkle_nodes", "checkpoints", "checkpoint_cosignatures", "audit_log_heads", "signing_keys" TO %I', runtime);
  -- An entry's erasure (docs/adr/0023-erasure.md): its `fields` column only, and the trigger allows only a value's erasure.
  EXECUTE format('GRANT UPDATE ("fields") ON "audit_entries" TO %I', runtime);
  -- The head moves with every append; a signing key is retired, never removed (docs/adr/0007-audit-log-transparency.md).
  EXECUTE format('GRANT UPDATE ON "audit_log_heads", "signing_keys" TO %I', runtime);
  -- audit_log_starts is written by the month drop alone, which runs as the owner: SELECT only.
  -- The partitions are reached through audit_entries, whose privileges are the ones checked: none by name.
  FOR part IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit_entries'::regclass LOOP
    EXECUTE format('REVOKE ALL ON %I FROM %I', part, runtime);
  END LOOP;
  -- Functions: the partitions ahead (runs as the owner) for the runtime role; the owner's remedies and this function for nobody else.
  REVOKE ALL ON FUNCTION "gatehouse_audit_partitions_ahead"(integer) FROM PUBLIC;
  EXECUTE format('GRANT EXECUTE ON FUNCTION "gatehouse_audit_partitions_ahead"(integer) TO %I', runtime);
  REVOKE ALL ON FUNCTION "gatehouse_audit_fold_default"() FROM PUBLIC;
  REVOKE ALL ON FUNCTION "gatehouse_audit_partition_guards"(text) FROM PUBLIC;
  REVOKE ALL ON FUNCTION "gatehouse_grant_runtime"(name) FROM PUBLIC;
END;
$$;
REVOKE ALL ON FUNCTION "gatehouse_grant_runtime"(name) FROM PUBLIC;
