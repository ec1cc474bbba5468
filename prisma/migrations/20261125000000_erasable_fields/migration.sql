-- Erasable fields (issue 27, docs/adr/0023-erasure.md). An entry of the second format commits to the
-- fields that may hold personal or secret data (a decision's metadata, data accessed and the values its
-- conditions read; an outcome's message; a vote's reason) by salted digests inside its hashed text,
-- and keeps the values beside it, here: `fields` maps each field to {"canonical": its RFC 8785 text,
-- "salt": hex} or, once erased, to {"erased": {"seq": the erasure entry's seq}}.
ALTER TABLE "audit_entries" ADD COLUMN "fields" JSONB;

-- The log stays append-only: the one change allowed is erasing a field that still has its value, and
-- nothing else of the row. An erased field stays erased (its value cannot be put back).
CREATE FUNCTION "gatehouse_audit_erasure_only"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  name text;
BEGIN
  IF (NEW.id, NEW.org_id, NEW.seq, NEW.type, NEW.actor_type, NEW.actor_id, NEW.subject_id, NEW.agent_id, NEW.canonical, NEW.leaf_hash, NEW.chain_hash, NEW.created_at)
       IS DISTINCT FROM (OLD.id, OLD.org_id, OLD.seq, OLD.type, OLD.actor_type, OLD.actor_id, OLD.subject_id, OLD.agent_id, OLD.canonical, OLD.leaf_hash, OLD.chain_hash, OLD.created_at)
     OR OLD.fields IS NULL OR NEW.fields IS NULL
     OR ARRAY(SELECT jsonb_object_keys(NEW.fields) ORDER BY 1) IS DISTINCT FROM ARRAY(SELECT jsonb_object_keys(OLD.fields) ORDER BY 1) THEN
    RAISE EXCEPTION 'UPDATE on audit_entries is not allowed: the audit log is append-only (only a field''s erasure is)'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  FOR name IN SELECT jsonb_object_keys(NEW.fields) LOOP
    IF (NEW.fields -> name) IS DISTINCT FROM (OLD.fields -> name)
       AND NOT ((OLD.fields -> name) ? 'canonical'
                AND NOT ((NEW.fields -> name) ? 'canonical') AND NOT ((NEW.fields -> name) ? 'salt')
                AND jsonb_typeof(NEW.fields -> name -> 'erased' -> 'seq') = 'number') THEN
      RAISE EXCEPTION 'UPDATE on audit_entries is not allowed: field % can only be erased, once', name
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END LOOP;
  RETURN NEW;
END;
$$;

DROP TRIGGER "audit_entries_append_only" ON "audit_entries";
CREATE TRIGGER "audit_entries_append_only" BEFORE DELETE ON "audit_entries"
  FOR EACH ROW EXECUTE FUNCTION "gatehouse_refuse_change"();
CREATE TRIGGER "audit_entries_erasure_only" BEFORE UPDATE ON "audit_entries"
  FOR EACH ROW EXECUTE FUNCTION "gatehouse_audit_erasure_only"();
