import { screenLogData, screensCallerText, validationError, type AuditEntryInput, type FieldIssue } from "@gatehouse/core";
import { collectingScreen, contentActionsFor, openScreen } from "./content-screen";
import type { DetectorRowQuery } from "../snapshots/org-detectors";
import { eventLoopSlices } from "../infra/fair-share";

/**
 * Entries about to be appended through their types' declarations (core's LOG_FIELDS, docs/content.md,
 * "Every field of the log"), with the org's content settings (`settings`, read under the log's lock):
 * free text with what the rules redact replaced by its placeholder; anything the rules refuse there,
 * or find in a name, key or setting that cannot be rewritten, refuses the whole append with a 400
 * naming the field (the transaction rolls back: nothing of the change is written). Entries whose type
 * has no such field are returned as they are, with no work.
 */
export async function screenEntries(orgId: string, settings: unknown, entries: readonly AuditEntryInput[], query?: DetectorRowQuery): Promise<readonly AuditEntryInput[]> {
  if (!entries.some((entry) => screensCallerText(entry.type))) return entries;
  // What the screen will read, collected first, so the org's detectors run over it within one budget (off the event loop when large).
  const values: Array<{ field: string; value: unknown }> = [];
  const collect = collectingScreen(values);
  for (const entry of entries) if (screensCallerText(entry.type)) screenLogData(entry.type, entry.data, collect);
  // `query`: the append's transaction, through which the org's detectors are read when this process has no copy.
  const actions = contentActionsFor(settings, []);
  const screen = (await openScreen(orgId, values, { actions, ...(query ? { query } : {}) })).with(actions);
  const issues = new Map<string, FieldIssue>();
  // A large batch pauses every few milliseconds, like its sealing (audit/log-store.ts's sealBatch).
  const pause = eventLoopSlices();
  const screened: AuditEntryInput[] = [];
  for (const entry of entries) {
    if (!screensCallerText(entry.type)) {
      screened.push(entry);
      continue;
    }
    const result = screenLogData(entry.type, entry.data, screen);
    for (const issue of result.issues) if (!issues.has(issue.path)) issues.set(issue.path, issue);
    screened.push(result.data === entry.data ? entry : ({ ...entry, data: result.data } as AuditEntryInput));
    await pause();
  }
  if (issues.size > 0) throw validationError([...issues.values()]);
  return screened;
}
