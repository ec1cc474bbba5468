import { dbEnv } from "../infra/env";
import { migrate, MigrationError } from "../migrate";

try {
  const result = await migrate({ url: dbEnv().DATABASE_URL, log: (line) => console.log(`[migrate] ${line}`) });
  console.log(`[migrate] ${result.applied.length} applied, ${result.alreadyApplied.length} already applied`);
} catch (error) {
  console.error(`[migrate] ${error instanceof MigrationError ? error.message : (error as Error).message}`);
  process.exit(1);
}
