// Loaded into a benchmarked process with `--import` (bench/soak.ts): every SOAK_SAMPLE_MS it runs a full
// garbage collection (the process is started with --expose-gc) and appends one line of
// process.memoryUsage() to SOAK_MEMORY_FILE, so the series shows what the process retains, not
// where its collector happened to be. Bench-only: no product code loads it.
import { appendFileSync } from "node:fs";

const file = process.env.SOAK_MEMORY_FILE;
const every = Number(process.env.SOAK_SAMPLE_MS ?? 10_000);
const collect = (globalThis as { gc?: () => void }).gc;

if (file) {
  const sample = () => {
    collect?.();
    const m = process.memoryUsage();
    appendFileSync(file, `${JSON.stringify({ at: Date.now(), rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external })}\n`);
  };
  sample();
  setInterval(sample, every).unref();
}
