import { existsSync, readFileSync } from "node:fs";

/**
 * The machine's cores' busy and total seconds since boot, from /proc/stat's first line (user nice system idle iowait
 * irq softirq steal, in USER_HZ = 100 on Linux; guest time is already in user), or null where there is no /proc/stat.
 * Two readings apart say how much of the machine a step kept busy: a step short of cores from one that waits.
 */
export function cpuSeconds(): { busy: number; total: number } | null {
  if (!existsSync("/proc/stat")) return null;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = readFileSync("/proc/stat", "utf8")
    .split("\n")[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy: busy / 100, total: (busy + idle + iowait) / 100 };
}

type Measure = { seconds: number; cpu: { busy: number; available: number } | null };

/** Starts a measurement; the function it returns says how long since and how many of the cores' seconds were busy. */
function measuring(): () => Measure {
  const startedAt = Date.now();
  const before = cpuSeconds();
  return () => {
    const after = cpuSeconds();
    const cpu = before && after ? { busy: Math.round(after.busy - before.busy), available: Math.round(after.total - before.total) } : null;
    return { seconds: Math.round((Date.now() - startedAt) / 1000), cpu };
  };
}

/** Runs `body`, and says how long it took and how many of the cores' seconds in that time were busy (null off Linux). */
export function measured<T>(body: () => T): Measure & { result: T } {
  const done = measuring();
  const result = body();
  return { result, ...done() };
}

/** `measured` for a body that runs beside others: the cores' seconds are the machine's, not the body's alone. */
export async function measuredAsync<T>(body: () => Promise<T>): Promise<Measure & { result: T }> {
  const done = measuring();
  const result = await body();
  return { result, ...done() };
}
