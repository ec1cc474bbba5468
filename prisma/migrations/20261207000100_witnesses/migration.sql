-- Witnesses (docs/audit.md, Witnesses): the cosignatures witnesses returned for the org's checkpoints
-- (append-only, like the checkpoints they sign), and where each witness stands for the org's log.

CREATE TABLE "checkpoint_cosignatures" (
    "org_id" TEXT NOT NULL,
    "tree_size" BIGINT NOT NULL,
    "witness_key" TEXT NOT NULL,
    "line" TEXT NOT NULL,
    "cosigned_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "checkpoint_cosignatures_pkey" PRIMARY KEY ("org_id", "tree_size", "witness_key")
);

-- Tied to the org (as checkpoints are); the checkpoint of its size is what the worker put to the witness.
ALTER TABLE "checkpoint_cosignatures" ADD CONSTRAINT "checkpoint_cosignatures_org_id_fkey"
  FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE TRIGGER "checkpoint_cosignatures_append_only" BEFORE UPDATE OR DELETE ON "checkpoint_cosignatures"
  FOR EACH ROW EXECUTE FUNCTION "gatehouse_refuse_change"();
CREATE TRIGGER "checkpoint_cosignatures_no_truncate" BEFORE TRUNCATE ON "checkpoint_cosignatures"
  FOR EACH STATEMENT EXECUTE FUNCTION "gatehouse_refuse_change"();

CREATE TABLE "witness_states" (
    "org_id" TEXT NOT NULL,
    "witness_key" TEXT NOT NULL,
    "size" BIGINT NOT NULL DEFAULT 0,
    "last_attempt_at" TIMESTAMPTZ(3),
    "last_cosigned_at" TIMESTAMPTZ(3),
    "last_status" INTEGER,
    "last_error" TEXT,

    CONSTRAINT "witness_states_pkey" PRIMARY KEY ("org_id", "witness_key")
);

ALTER TABLE "witness_states" ADD CONSTRAINT "witness_states_org_id_fkey"
  FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
