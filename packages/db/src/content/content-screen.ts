import { createHmac } from "node:crypto";
import {
  answeredOrgScan,
  ContentLimitError,
  formatIssuePath,
  MAX_REDACTIONS,
  MAX_SCREEN_GROWTH,
  ORG_SCREEN_INLINE_WORK,
  orgScreenWork,
  rateLimited,
  screenedTexts,
  ScreenLimitReached,
  screenOrgTexts,
  unavailable,
  contentSettings,
  resolveContentActions,
  resolvePromptContentActions,
  screenContent,
  validationError,
  type ContentActions,
  type ContentScreen,
  type ContentRule,
  type ContentSettings,
  type OrgDetectorScan,
  type OrgScreenJob,
  type OrgScreenResult,
  type Screened,
} from "@gatehouse/core";
import { orgSubkey } from "../infra/org-vault";
import { WorkCrashed, WorkQueueFull, WorkTimeout, workPool, workTask, type WorkPool } from "../infra/work-pool";
import { freshOrgDetectors, orgDetectors, type DetectorRowQuery, type OrgDetectors } from "../snapshots/org-detectors";
import { orgSettingsSnapshot, perSnapshot } from "../snapshots/settings-snapshot";

/** Hex characters of a placeholder's keyed hash: enough to tell values apart in one org, too few to be a fingerprint of the value elsewhere. */
const TAG_HEX = 8;

/** The org's placeholder keys, derived once per process (they never change); the derived ones also at hand without a wait. */
const tagKeys = new Map<string, Promise<Buffer>>();
const derived = new Map<string, Buffer>();

function tagKey(orgId: string): Promise<Buffer> {
  let key = tagKeys.get(orgId);
  if (!key) {
    key = orgSubkey(orgId, "content-tag");
    key.then(
      (bytes) => void derived.set(orgId, bytes),
      () => tagKeys.delete(orgId),
    );
    tagKeys.set(orgId, key);
  }
  return key;
}

type Screen = ContentScreen;
const NOTHING: Screen = (value) => ({ value, findings: [], denied: false });

/** The server's bounds on what a screen writes (core's screen-budget.ts). */
const LIMITS = { redactions: MAX_REDACTIONS, growth: MAX_SCREEN_GROWTH };

/** A screen with the org's key: one that reaches a limit of its budget is a ContentLimitError naming the field it screened (`root`). */
function screenWith(key: Buffer, actions: ContentActions, org: OrgDetectorScan | undefined): Screen {
  const tag = (text: string) => createHmac("sha256", key).update(text, "utf8").digest("hex").slice(0, TAG_HEX);
  return (value, root, only) => {
    try {
      return screenContent(value, root, { actions, tag, limits: LIMITS, ...(only ? { only } : {}), ...(org ? { org } : {}) });
    } catch (error) {
      if (error instanceof ScreenLimitReached) throw new ContentLimitError(error.limit, formatIssuePath(root) || "body");
      throw error;
    }
  };
}

const screenTask = workTask<OrgScreenJob, OrgScreenResult>("@gatehouse/core", "screenOrgTexts");
/** Screens of one org that may wait for the work pool at once (each a bounded job; an org's decisions come many at a time): past it, 429. */
export const SCREEN_QUEUE_PER_ORG = 64;

/** A job's answer as a scan, or the limit it reached as a ContentLimitError naming `field`. */
function answered(own: OrgDetectors, job: OrgScreenJob, result: OrgScreenResult, field: string): OrgDetectorScan {
  if ("limit" in result) throw new ContentLimitError(result.limit, field);
  return answeredOrgScan(own.specs, job.texts, result.findings);
}

/**
 * The org's own detectors over a call's texts, within the call's budget (core's screen-budget.ts): the
 * work is counted before any matching; a little is done here, at once (`inline`), more on the work pool
 * in the org's turn (one job of an org at a time there, so an org's detectors never hold the event loop
 * nor every worker). A job past a limit is a ContentLimitError naming `field`; a full queue a 429; a job
 * the pool could not finish a 503 (fail closed: nothing is screened, so nothing is decided or written).
 */
function orgScanOf(orgId: string, own: OrgDetectors, texts: readonly string[], field: string, work: () => WorkPool): OrgDetectorScan | undefined | Promise<OrgDetectorScan> {
  if (!own.scan) return undefined;
  const job: OrgScreenJob = { specs: own.specs, texts };
  if (orgScreenWork(job) <= ORG_SCREEN_INLINE_WORK) return answered(own, job, screenOrgTexts(job), field);
  return work()
    .run(screenTask, job, { key: orgId, maxQueued: SCREEN_QUEUE_PER_ORG })
    .then(
      (result) => answered(own, job, result, field),
      (error: unknown) => {
        if (error instanceof WorkQueueFull)
          throw rateLimited(`${error.queued} screens of this org's content already wait for the work pool; try again when they are done`, 1, { queued: error.queued });
        if (error instanceof WorkTimeout || error instanceof WorkCrashed) throw unavailable("the screen of this call's content stopped before it finished; try again shortly", 5);
        throw error;
      },
    );
}

/** The values a screen will read, by the field each is in (the largest names a limit it reaches). */
export type ScreenedValues = ReadonlyArray<{ field: string; value: unknown }>;

/** Every text a screen of `values` reads, and the field holding the most of them. */
function textsOf(values: ScreenedValues): { texts: string[]; field: string } {
  const all = new Set<string>();
  let field = values[0]?.field ?? "body";
  let most = -1;
  for (const { field: name, value } of values) {
    const texts = screenedTexts(value);
    let length = 0;
    for (const text of texts) {
      length += text.length;
      all.add(text);
    }
    if (length > most) {
      most = length;
      field = name;
    }
  }
  return { texts: [...all], field };
}

/** Whether `actions` screen nothing (both classes off): such a screen reads no key, no detectors and does no work. */
function screensNothing(actions: ContentActions): boolean {
  return actions.secrets === "off" && actions.personalData === "off";
}

/**
 * The content screen of one call, opened: what it needs is at hand (the org's placeholder key, its own
 * detectors as read, their matches over the call's values), so `with(actions)` screens without a wait —
 * a batch judging under the org's lock picks the actions there (a report's, by its action's type).
 */
export interface OpenScreen {
  /** The screen with `actions`: `screen(value, ["metadata"])`. Fails closed (throws) when it needs what could not be read. */
  with(actions: ContentActions): Screen;
}

/** A screen opened for actions that screen nothing, or one that could not be opened (`error`): a `with` that screens anything fails closed. */
function closedOpen(error: unknown): OpenScreen {
  return {
    with: (actions) => {
      if (screensNothing(actions)) return NOTHING;
      throw error;
    },
  };
}

const NOTHING_OPEN = closedOpen(new Error("the screen was opened for actions that screen nothing; open it with the actions it screens with"));

function opened(orgId: string, key: Buffer, own: OrgDetectors, values: ScreenedValues, work: () => WorkPool): OpenScreen | Promise<OpenScreen> {
  const open = (scan: OrgDetectorScan | undefined): OpenScreen => ({ with: (actions) => (screensNothing(actions) ? NOTHING : screenWith(key, actions, scan)) });
  if (!own.scan) return open(undefined);
  const { texts, field } = textsOf(values);
  const scan = orgScanOf(orgId, own, texts, field, work);
  return scan instanceof Promise ? scan.then(open) : open(scan);
}

/**
 * The one way into the content screen (docs/content.md): `(await openScreen(orgId, values, { actions })).with(actions)`
 * is `screen(value, ["metadata"])`, which answers the value as it may be written (placeholders
 * `[secret:github_token#1a2b3c4d]` for what the actions redact or refuse), the findings and whether the call
 * is refused. `values` are every value the call will screen and the field it is in (collectingScreen gathers
 * them): the org's own detectors (org-detectors.ts) run over them beside the built-in table, ahead and within
 * the call's budget (orgScanOf), off the event loop when large. A limit reached is a ContentLimitError naming
 * the field.
 *
 * `actions`: what the screen will screen with, when known now; screening nothing, it reads and runs nothing.
 * Without it (a report learns its action's type under the org's lock) the screen is opened for any actions,
 * and a key or detectors that cannot be read fail only a `with` that needs them. `query`: a screen inside a
 * transaction reads the detectors through it. Fails closed: without the org's placeholder key (the master key
 * cannot be read) or its detectors (the database cannot be read) nothing is screened, so nothing is decided.
 */
export async function openScreen(
  orgId: string,
  values: ScreenedValues,
  options: { actions?: ContentActions; query?: DetectorRowQuery; work?: WorkPool } = {},
): Promise<OpenScreen> {
  if (options.actions && screensNothing(options.actions)) return NOTHING_OPEN;
  const work = () => options.work ?? workPool();
  // No wait but the promise's own once the org's key is derived and its detectors read (and their work is small).
  const key = derived.get(orgId);
  const own = freshOrgDetectors(orgId);
  if (key && own) return opened(orgId, key, own, values, work);
  const loading = Promise.all([tagKey(orgId), orgDetectors(orgId, Date.now(), options.query)]);
  if (options.actions) {
    const [bytes, detectors] = await loading;
    return opened(orgId, bytes, detectors, values, work);
  }
  let ready: [Buffer, OrgDetectors];
  try {
    ready = await loading;
  } catch (error) {
    return closedOpen(error);
  }
  return opened(orgId, ready[0], ready[1], values, work);
}

/** A screen that collects what it is given (every text a screen of it would read) and finds nothing: how a caller learns `values` before it opens the screen. */
export function collectingScreen(into: Array<{ field: string; value: unknown }>): Screen {
  return (value, root) => {
    into.push({ field: formatIssuePath(root) || "body", value });
    return { value, findings: [], denied: false };
  };
}

/** A screened value the org's rules refuse: a 400 naming `field` and the detectors, so nothing of it is written (`verb`: what the caller does again without it). */
export function refuseDenied<T>(screened: Screened<T>, field: string, verb: string): Screened<T> {
  if (!screened.denied) return screened;
  const refused = [...new Set(screened.findings.filter((f) => f.action === "denied").map((f) => f.detector))];
  throw validationError([{ path: field, message: `holds content the org's content rules refuse (${refused.join(", ")}); ${verb} it without that value` }]);
}

/** The org's content settings of a settings snapshot object: parsed once per snapshot. */
export const contentSettingsOf: (settings: unknown) => ContentSettings = perSnapshot(contentSettings);

/** The action per class for a call: its matching policies' `content`, else the org default. */
export function contentActionsFor(settings: unknown, rules: readonly ContentRule[]): ContentActions {
  return resolveContentActions(contentSettingsOf(settings), rules);
}

/** The action per class for what a model call sends its provider (docs/guardrails.md): its matching policies' `content`, else the org's prompt defaults. */
export function promptContentActionsFor(settings: unknown, rules: readonly ContentRule[]): ContentActions {
  return resolvePromptContentActions(contentSettingsOf(settings), rules);
}

/**
 * What a member or an agent sends outside a decision (an approval's reason, a delegation's metadata)
 * through the screen with the org's content settings: the value as it may be written (placeholders for
 * what the settings redact); a class set to `deny` refuses it with a 400 naming `field`, so nothing of
 * it is written.
 */
export async function screenWithOrgSettings<T>(orgId: string, field: string, value: T): Promise<T> {
  const actions = contentActionsFor(await orgSettingsSnapshot(orgId), []);
  const screen = (await openScreen(orgId, [{ field, value }], { actions })).with(actions);
  return refuseDenied(screen(value, [field]), field, "send").value;
}
