-- The audit log's entries, partitioned by month (issue 47, docs/adr/0042-audit-entries-partitioned-by-month.md).
--
-- audit_entries becomes a table partitioned by RANGE (created_at), one partition per UTC month, named
-- audit_entries_yYYYYmMM, created months ahead by gatehouse_audit_partitions_ahead() (the worker's job
-- `audit-partitions` calls it every hour). Every row already written stays where it is, untouched: the table as it was
-- becomes the partition audit_entries_history, covering everything before the first month this migration creates, so
-- every hash, checkpoint and proof stays what it was. A default partition takes any row no month partition covers
-- (a worker stopped for months, a clock far ahead), so an append never fails for want of a partition.
--
-- A partitioned table's unique constraints must include created_at, which would weaken them; so the uniqueness the log
-- relies on, (org_id, seq) and id, is kept by a unique index on each partition, and a row's seq is only ever taken
-- under its org's log head lock (docs/architecture.md §2), which is what makes it unique across partitions.

-- 1. The table as it was, renamed: its indexes too (index names are per schema), and its row triggers dropped (the
--    partitioned table's own are cloned onto it when it is attached).
ALTER TABLE "audit_entries" RENAME TO "audit_entries_history";
ALTER INDEX "audit_entries_org_id_type_seq_idx" RENAME TO "audit_entries_history_org_id_type_seq_idx";
ALTER INDEX "audit_entries_org_id_agent_id_seq_idx" RENAME TO "audit_entries_history_org_id_agent_id_seq_idx";
ALTER INDEX "audit_entries_org_id_seq_key" RENAME TO "audit_entries_history_org_id_seq_key";
ALTER TABLE "audit_entries_history" RENAME CONSTRAINT "audit_entries_pkey" TO "audit_entries_history_pkey";
DROP TRIGGER "audit_entries_append_only" ON "audit_entries_history";
DROP TRIGGER "audit_entries_erasure_only" ON "audit_entries_history";

-- 2. The partitioned table: the same columns, defaults and NOT NULLs; the same indexes for an org's reads; the same
--    guards (UPDATE only as a field's erasure, no DELETE, no TRUNCATE).
CREATE TABLE "audit_entries" (LIKE "audit_entries_history" INCLUDING DEFAULTS) PARTITION BY RANGE ("created_at");
ALTER TABLE "audit_entries" ADD CONSTRAINT "audit_entries_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE INDEX "audit_entries_org_id_type_seq_idx" ON "audit_entries"("org_id", "type", "seq");
CREATE INDEX "audit_entries_org_id_agent_id_seq_idx" ON "audit_entries"("org_id", "agent_id", "seq");
CREATE TRIGGER "audit_entries_append_only" BEFORE DELETE ON "audit_entries"
  FOR EACH ROW EXECUTE FUNCTION "gatehouse_refuse_change"();
CREATE TRIGGER "audit_entries_erasure_only" BEFORE UPDATE ON "audit_entries"
  FOR EACH ROW EXECUTE FUNCTION "gatehouse_audit_erasure_only"();
CREATE TRIGGER "audit_entries_no_truncate" BEFORE TRUNCATE ON "audit_entries"
  FOR EACH STATEMENT EXECUTE FUNCTION "gatehouse_refuse_change"();

-- 3. What every partition gets beside what it inherits: its own unique (org_id, seq) and primary key (id), and its own
--    TRUNCATE guard (a statement trigger is not inherited, and a partition can be truncated by name).
CREATE FUNCTION "gatehouse_audit_partition_guards"(part text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE UNIQUE INDEX %I ON %I ("org_id", "seq")', part || '_org_id_seq_key', part);
  EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I PRIMARY KEY ("id")', part, part || '_pkey');
  EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION "gatehouse_refuse_change"()', part || '_no_truncate', part);
END;
$$;

-- 4. The month partitions from this month's start to `months` months ahead that do not exist yet. A month is created
--    as a table of its own with a CHECK equal to its bound and then attached, so attaching scans nothing of it and stops
--    no append to the other partitions. A month that would overlap a partition (the history's months) is left out; one
--    whose rows already went to the default partition is left out too, and named in the answer's `skipped`.
CREATE FUNCTION "gatehouse_audit_partitions_ahead"(months integer) RETURNS TABLE ("created" text[], "skipped" text[])
LANGUAGE plpgsql AS $$
DECLARE
  first_month timestamp := date_trunc('month', now() AT TIME ZONE 'UTC');
  made text[] := '{}';
  left_out text[] := '{}';
  month_start timestamptz;
  month_end timestamptz;
  part text;
BEGIN
  IF months IS NULL OR months < 0 OR months > 24 THEN
    RAISE EXCEPTION 'months ahead must be between 0 and 24, not %', months USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR i IN 0..months LOOP
    month_start := (first_month + make_interval(months => i)) AT TIME ZONE 'UTC';
    month_end := (first_month + make_interval(months => i + 1)) AT TIME ZONE 'UTC';
    part := 'audit_entries_' || to_char(first_month + make_interval(months => i), '"y"YYYY"m"MM');
    -- The history's months, and a month that has its partition, need nothing (and take no lock).
    CONTINUE WHEN month_start < "gatehouse_audit_history_end"() OR to_regclass(format('%I', part)) IS NOT NULL;
    BEGIN
      EXECUTE format('CREATE TABLE %I (LIKE "audit_entries" INCLUDING DEFAULTS)', part);
      EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK ("created_at" IS NOT NULL AND "created_at" >= %L AND "created_at" < %L)',
                     part, part || '_bound', month_start, month_end);
      PERFORM "gatehouse_audit_partition_guards"(part);
      EXECUTE format('ALTER TABLE "audit_entries" ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, month_start, month_end);
      EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', part, part || '_bound');
      made := made || part;
    EXCEPTION
      -- It would overlap a partition: nothing to do.
      WHEN invalid_object_definition THEN NULL;
      -- The default partition holds rows of its month: they stay there, and the month is named.
      WHEN check_violation THEN left_out := left_out || part;
    END;
  END LOOP;
  RETURN QUERY SELECT made, left_out;
END;
$$;

-- 5. The history covers everything before next month; the default partition whatever no month covers; this month's
--    partition is the history itself, so the months created now start with the next one.
DO $$
DECLARE
  next_month timestamptz := (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
BEGIN
  EXECUTE format('ALTER TABLE "audit_entries" ATTACH PARTITION "audit_entries_history" FOR VALUES FROM (MINVALUE) TO (%L)', next_month);
  -- Where the history ends, for gatehouse_audit_partitions_ahead (which then skips its months without trying them).
  EXECUTE format('CREATE FUNCTION "gatehouse_audit_history_end"() RETURNS timestamptz IMMUTABLE LANGUAGE sql AS %L',
                 format('SELECT %L::timestamptz', next_month));
END;
$$;
CREATE TABLE "audit_entries_default" PARTITION OF "audit_entries" DEFAULT;
SELECT "gatehouse_audit_partition_guards"('audit_entries_default');
SELECT * FROM "gatehouse_audit_partitions_ahead"(3);

-- 6. The remedy when rows went to the default partition (the job `audit-partitions` fails naming their months): every
--    such row moves, byte for byte, into a partition of its month, created for it, and the default partition starts
--    empty again. It holds audit_entries exclusively while it runs (appends wait), so run it in a quiet moment:
--    SELECT gatehouse_audit_fold_default();  Answers the partitions it created.
CREATE FUNCTION "gatehouse_audit_fold_default"() RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  month timestamp;
  made text[] := '{}';
  part text;
BEGIN
  LOCK TABLE "audit_entries" IN ACCESS EXCLUSIVE MODE;
  ALTER TABLE "audit_entries" DETACH PARTITION "audit_entries_default";
  ALTER TABLE "audit_entries_default" RENAME TO "audit_entries_default_folding";
  FOR month IN SELECT DISTINCT date_trunc('month', "created_at" AT TIME ZONE 'UTC') FROM "audit_entries_default_folding" ORDER BY 1 LOOP
    part := 'audit_entries_' || to_char(month, '"y"YYYY"m"MM');
    EXECUTE format('CREATE TABLE %I (LIKE "audit_entries" INCLUDING DEFAULTS)', part);
    PERFORM "gatehouse_audit_partition_guards"(part);
    EXECUTE format('ALTER TABLE "audit_entries" ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part,
                   month AT TIME ZONE 'UTC', (month + interval '1 month') AT TIME ZONE 'UTC');
    made := made || part;
  END LOOP;
  INSERT INTO "audit_entries" SELECT * FROM "audit_entries_default_folding";
  DROP TABLE "audit_entries_default_folding";
  CREATE TABLE "audit_entries_default" PARTITION OF "audit_entries" DEFAULT;
  PERFORM "gatehouse_audit_partition_guards"('audit_entries_default');
  RETURN made;
END;
$$;
