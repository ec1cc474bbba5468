-- An org's own content detectors (docs/content-detectors.md, "An org's own detectors"): RE2 patterns
-- that run beside the built-in table in every screen of the org's content. Changes are audit-logged
-- (`content.detector_changed`); the rows themselves are configuration, changed in place.

CREATE TABLE "content_detectors" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "class" TEXT NOT NULL,
    "pattern" TEXT NOT NULL,
    "keywords" TEXT[],
    "checksum" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "content_detectors_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "content_detectors_class_check" CHECK ("class" IN ('secrets', 'personalData')),
    CONSTRAINT "content_detectors_checksum_check" CHECK ("checksum" IS NULL OR "checksum" IN ('luhn', 'iban'))
);

CREATE UNIQUE INDEX "content_detectors_org_id_name_key" ON "content_detectors"("org_id", "name");

ALTER TABLE "content_detectors" ADD CONSTRAINT "content_detectors_org_id_fkey"
  FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
