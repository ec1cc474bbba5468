import { pooledRandomBytes } from "./random-pool";

/** Prefixes of every id Gatehouse hands out; the prefix tells what an id points at. */
export const ID_PREFIXES = {
  org: "org",
  user: "usr",
  consoleSession: "ses",
  membership: "mem",
  agent: "agt",
  apiKey: "key",
  policy: "pol",
  policyVersion: "pv",
  action: "act",
  approval: "apr",
  vote: "vot",
  delegation: "dlg",
  audit: "aud",
  checkpoint: "chk",
  signingKey: "sk",
  invitation: "inv",
  auditReview: "rev",
  policyPublishRequest: "ppr",
  settingsChangeRequest: "scr",
  slackConnectionRequest: "scq",
  auditErasureRequest: "aer",
  run: "run",
  webhookEndpoint: "whe",
  webhookDelivery: "whd",
  approvalLink: "apl",
  approvalNotice: "apn",
  grant: "grt",
  handover: "aho",
  cliLogin: "cli",
  contentDetector: "cdt",
  mcpServer: "mcs",
  mcpGateway: "mcg",
  mcpSession: "mss",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** `length` characters drawn uniformly from [0-9a-zA-Z] (rejection sampling, no modulo bias). */
export function randomToken(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of pooledRandomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

export function newId(kind: IdKind): string {
  return `${ID_PREFIXES[kind]}_${randomToken(22)}`;
}

const ID_PATTERN = /^[a-z]{2,3}_[0-9a-zA-Z]{22}$/;

/** The exact shape of one kind's ids (`apr_` and 22 letters or digits). */
export function idPattern(kind: IdKind): RegExp {
  return new RegExp(`^${ID_PREFIXES[kind]}_[0-9a-zA-Z]{22}$`);
}

/** Cheap shape check so malformed ids never reach the database. */
export function isId(kind: IdKind, value: string): boolean {
  return ID_PATTERN.test(value) && value.startsWith(`${ID_PREFIXES[kind]}_`);
}
