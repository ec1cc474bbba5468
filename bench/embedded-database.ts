// Serves the embedded default database for a benchmark, as `npm start` does without DATABASE_URL: PGlite
// on a data directory behind the project's multiplexer (docs/adr/0002-embedded-database.md), in a process
// of its own as the launcher's is. Writes its DATABASE_URL to <url file> once it listens; SIGTERM closes
// the multiplexer and then PGlite. The password comes from BENCH_EMBEDDED_PASSWORD.
//   tsx bench/embedded-database.ts <data dir> <url file>
import { writeFileSync } from "node:fs";
import { startEmbeddedDatabase } from "../scripts/lib/embedded-database.ts";

const [dataDir, urlFile] = process.argv.slice(2);
const password = process.env.BENCH_EMBEDDED_PASSWORD ?? "";
if (!dataDir || !urlFile || password.length < 32) throw new Error("usage: BENCH_EMBEDDED_PASSWORD=<32+ characters> embedded-database.ts <data dir> <url file>");
const database = await startEmbeddedDatabase({ dataDir, password, onWarning: (message) => console.error(`[embedded] ${message}`) });
writeFileSync(urlFile, database.url, { mode: 0o600 });
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    void database.stop().finally(() => process.exit(0));
  });
}
