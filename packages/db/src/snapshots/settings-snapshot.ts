import { db } from "../infra/client";
import { SnapshotCache } from "../infra/snapshot-cache";

/**
 * A short-lived, per-process copy of the org's settings every decision reads (the circuit breaker's),
 * so the hot path makes no query of its own. It is dropped by `settings.changed` signals and expires
 * after SETTINGS_TTL_MS, like the agent snapshot.
 */
export const SETTINGS_TTL_MS = 1_000;

const settings = new SnapshotCache<unknown>({
  ttlMs: SETTINGS_TTL_MS,
  keyOf: (signal) => (signal.type === "settings.changed" ? signal.orgId : null),
});

export function forgetOrgSettings(orgId: string): void {
  settings.forget(orgId);
}

export async function orgSettingsSnapshot(orgId: string, now = Date.now()): Promise<unknown> {
  return settings.get(orgId, now, async () => {
    const org = await db().org.findUniqueOrThrow({ where: { id: orgId }, select: { settings: true } });
    return org.settings;
  });
}

/**
 * A reader of one settings group that parses each snapshot object once (a WeakMap per reader), so a
 * decision pays one lookup; a value that is not an object (no settings) is parsed each time.
 */
export function perSnapshot<T>(parse: (settings: unknown) => T): (settings: unknown) => T {
  const parsed = new WeakMap<object, T>();
  return (settings) => {
    if (!settings || typeof settings !== "object") return parse(settings);
    let value = parsed.get(settings);
    if (value === undefined) {
      value = parse(settings);
      parsed.set(settings, value);
    }
    return value;
  };
}
