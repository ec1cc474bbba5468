// `prisma generate` offline: Prisma 7's CLI wants a schema-engine binary even for `generate`, which it
// downloads when missing. Generation itself does not run it, so any existing file satisfies the check
// (see docs/adr/0003-migrations-without-the-schema-engine.md). An engine the caller set is kept.
import { spawnSync } from "node:child_process";

const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
env.PRISMA_HIDE_UPDATE_MESSAGE = "1";
const result = spawnSync("npx", ["prisma", "generate"], { stdio: "inherit", env });
process.exit(result.status ?? 1);
