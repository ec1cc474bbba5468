-- CreateEnum
CREATE TYPE "circuit_state" AS ENUM ('closed', 'open', 'half_open');

-- AlterTable
ALTER TABLE "orgs" ADD COLUMN "policy_revision" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "agents" ADD COLUMN "circuit_state" "circuit_state" NOT NULL DEFAULT 'closed',
ADD COLUMN "circuit_opened_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "rate_events" (
    "id" BIGSERIAL NOT NULL,
    "org_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rate_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "rate_events_key_at_idx" ON "rate_events"("key", "at");

-- AddForeignKey
ALTER TABLE "rate_events" ADD CONSTRAINT "rate_events_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
