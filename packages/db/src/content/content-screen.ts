import { createHmac } from "node:crypto";
import {
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
} from "@gatehouse/core";
import { orgSubkey } from "../infra/org-vault";
import { freshOrgDetectors, lastOrgDetectors, orgDetectors, type DetectorRowQuery } from "../snapshots/org-detectors";
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

function screenWith(key: Buffer, actions: ContentActions, org: OrgDetectorScan | undefined): Screen {
  const tag = (text: string) => createHmac("sha256", key).update(text, "utf8").digest("hex").slice(0, TAG_HEX);
  return (value, root, only) => screenContent(value, root, { actions, tag, ...(only ? { only } : {}), ...(org ? { org } : {}) });
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
 * A screen of one call's values (docs/content.md), keyed for the org: `screen(value, ["metadata"])`
 * answers the value as it may be written (placeholders `[secret:github_token#1a2b3c4d]` for what the
 * actions redact or refuse), the findings and whether the call is refused. The org's own detectors
 * (org-detectors.ts) run beside the built-in table. Fails closed: without the org's placeholder key (the
 * master key cannot be read) or its detectors (the database cannot be read) nothing is decided.
 */
export function contentScreen(orgId: string, actions: ContentActions, query?: DetectorRowQuery): Screen | Promise<Screen> {
  if (actions.secrets === "off" && actions.personalData === "off") return NOTHING;
  // The decision path takes no extra turn of the event loop once the org's key is derived and its detectors read.
  const key = derived.get(orgId);
  const own = freshOrgDetectors(orgId);
  if (key && own) return screenWith(key, actions, own.scan);
  // `query`: a screen inside a transaction reads the detectors through it (org-detectors.ts).
  return Promise.all([tagKey(orgId), orgDetectors(orgId, Date.now(), query)]).then(([bytes, detectors]) => screenWith(bytes, actions, detectors.scan));
}

/**
 * The org's placeholder key derived, so `screenSync` can screen without a wait (a batch judging under
 * the org's lock). Never fails: a key that cannot be derived fails `screenSync` instead, when a screen needs it.
 */
export async function contentKeyReady(orgId: string): Promise<void> {
  await Promise.all([tagKey(orgId).catch(() => undefined), orgDetectors(orgId).catch(() => undefined)]);
}

/**
 * `contentScreen` without a wait, after `contentKeyReady`: the org's detectors as last read (read by it
 * just before). Fails closed (throws) when the screen needs a key that could not be derived or detectors
 * that could not be read.
 */
export function screenSync(orgId: string, actions: ContentActions): Screen {
  if (actions.secrets === "off" && actions.personalData === "off") return NOTHING;
  const key = derived.get(orgId);
  const own = freshOrgDetectors(orgId) ?? lastOrgDetectors(orgId);
  if (!key || !own) throw new Error("the org's content key or detectors are not available: nothing is screened, so nothing is written");
  return screenWith(key, actions, own.scan);
}

/**
 * What a member or an agent sends outside a decision (an approval's reason, a delegation's metadata)
 * through the screen with the org's content settings: the value as it may be written (placeholders for
 * what the settings redact); a class set to `deny` refuses it with a 400 naming `field`, so nothing of
 * it is written.
 */
export async function screenWithOrgSettings<T>(orgId: string, field: string, value: T): Promise<T> {
  const screen = await contentScreen(orgId, contentActionsFor(await orgSettingsSnapshot(orgId), []));
  const screened = screen(value, [field]);
  if (screened.denied) {
    const refused = [...new Set(screened.findings.filter((f) => f.action === "denied").map((f) => f.detector))];
    throw validationError([{ path: field, message: `holds content the org's content rules refuse (${refused.join(", ")}); send it without that value` }]);
  }
  return screened.value;
}
