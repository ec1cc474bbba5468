import { defineConfig } from "prisma/config";

// The CLI is used offline here: `generate` only (see scripts/prisma-generate.ts). Migrations are
// applied by packages/db/src/migrate.ts; `prisma migrate deploy` reads the same folder elsewhere.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test" },
});
