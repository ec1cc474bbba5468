import type { ContentScreen, ContentFinding } from "../content/screen-content";
import type { FieldIssue } from "../errors";
import type { AuditEntryData, AuditEntryType } from "./entry-types";

/**
 * Which fields of each audit entry type carry text a caller chose, and how the content rules
 * (docs/content.md, "Every field of the log") hold each before the entry is sealed:
 *
 * - `{ text: field }`: free text (a reason): screened with the org's content settings when the entry
 *   is appended — `redact` writes its placeholder, `deny` refuses the call with a 400 naming `field`,
 *   `flag` and `off` keep it;
 * - `{ identifier: field }`: a name, key or id the caller chose that lookups, idempotency or policy
 *   matching depend on (an agent's name, a runId, an eventId, labels, a webhook's URL): never
 *   rewritten; refused with a 400 naming `field` when it holds anything the rules would redact or refuse;
 * - `{ config: field }`: configuration an admin publishes, or an address an admin types (a policy
 *   document, the org's settings, an invitee): refused like an identifier when it holds a secret
 *   (looked for alone, so none hides inside an address); the people it names (approvers, invitees)
 *   are identities, not personal data to screen;
 * - `"screened"`: a call's own content, screened before the entry is built by the content rules of
 *   the call it belongs to (its policies' `content`, else the org default): a decision's metadata,
 *   data access and conditions' values, an outcome's message and data, evidence details, a
 *   delegation's metadata;
 * - `"fixed"`: nothing a caller typed: ids, hashes, enums, numbers, times, Gatehouse's own sentences,
 *   a member's proven address, and copies of names that were checked where they were first given (an
 *   agent's name at its creation, a policy's at its publication).
 *
 * `field` is the name the caller gave it (`runId` for a run's `runKey`), which the 400 names. The map
 * is exhaustive by type: a new entry type, or a new field of one, does not compile until it is declared
 * here (and the table test in apps/api/test/log-fields-screened.test.ts covers each caller field).
 */
export type LogField =
  "fixed" | "screened" | { readonly text: string } | { readonly identifier: string } | { readonly config: string } | { readonly nested: Readonly<Record<string, LogField>> };

/** Every key of a `data` type, of each member when it is a union. */
type KeysOf<U> = U extends unknown ? keyof U & string : never;
type LogFieldsOf<T extends AuditEntryType> = { readonly [K in KeysOf<AuditEntryData<T>>]-?: LogField };

const fixed = "fixed" as const;
const screened = "screened" as const;
const text = (field: string) => ({ text: field });
const identifier = (field: string) => ({ identifier: field });
const config = (field: string) => ({ config: field });
const nested = (fields: Readonly<Record<string, LogField>>) => ({ nested: fields });
/** An entry type none of whose fields a caller's text reaches. */
function allFixed<K extends string>(...keys: K[]): Record<K, "fixed"> {
  return Object.fromEntries(keys.map((key) => [key, fixed])) as Record<K, "fixed">;
}

const ending = (reason: LogField) => ({ ...allFixed("approvalId", "actionId", "actionType", "status", "denialReason", "decidedBy"), reason });
const member = allFixed("userId", "email", "role");

export const LOG_FIELDS: { readonly [T in AuditEntryType]: LogFieldsOf<T> } = {
  "action.decided": {
    ...allFixed("actionId", "agentName", "delegation", "status", "denialReason", "policy", "tamperedPolicies", "mode", "reportOnly", "monitored"),
    ...allFixed("findings", "requestHash", "approvalId", "timeoutAt", "grant", "budget", "failure"),
    // The policies' changes: their own paths (with array indices) and values, checked when they were published.
    rewritten: fixed,
    actionType: identifier("actionType"),
    metadata: screened,
    dataAccessed: screened,
    conditionsEvaluated: screened,
    tool: nested({ name: identifier("tool.name"), argsDigest: fixed }),
    eventId: identifier("eventId"),
    run: nested({ id: fixed, runId: identifier("runId") }),
    // The priced model (`price.model`) is the declared one as the price table or the org's prices name it.
    reservation: nested({ model: identifier("spend.model"), ...allFixed("tokens", "micros", "price", "unpriced", "budgets") }),
  },
  "action.outcome": {
    ...allFixed("actionId", "auditEventId", "actionType", "status", "findings", "spend"),
    message: screened,
    data: screened,
    usage: nested({ model: identifier("usage.model"), ...allFixed("inputTokens", "outputTokens", "cachedInputTokens", "cacheWriteTokens", "estimated") }),
  },
  // The conditions' values: the decision's metadata as written and the outcome's data as screened.
  "action.postcondition_violated": { ...allFixed("actionId", "auditEventId", "actionType", "agentName", "policy", "limit", "halted"), conditionsEvaluated: screened },
  "budget.released": allFixed("actionId", "actionType", "agentName", "tokens", "micros", "charged", "budgets", "deadline"),
  // The governance events that follow a decision or an outcome: copies of what its entry holds (findings name no value).
  "guardrail.triggered": allFixed("actionId", "auditEventId", "actionType", "agentName", "source", "findings"),
  "budget.threshold": allFixed("actionId", "auditEventId", "actionType", "agentName", "threshold", "used", "budget"),
  "budget.exceeded": allFixed("actionId", "auditEventId", "actionType", "agentName", "status", "budget"),
  "approval.vote": {
    ...allFixed("approvalId", "actionId", "actionType", "decision", "member", "approvals", "quorum", "status", "via", "onBehalfOf"),
    reason: text("reason"),
  },
  "approval.vote_refused": allFixed("approvalId", "actionId", "actionType", "reason"),
  "approval.decided": ending(text("reason")),
  "approval.expired": ending(fixed),
  // A halt's reason, a revocation's or the org's closing.
  "approval.cancelled": ending(text("reason")),
  "agent.created": { name: identifier("name"), labels: identifier("labels"), ...allFixed("keyId", "keyPrefix", "idempotencyRef", "system") },
  "agent.halted": { name: fixed, reason: text("reason") },
  "agent.resumed": { name: fixed, reason: text("reason") },
  // `reason`: Gatehouse's sentence about the action type that failed (checked at the decision).
  "agent.circuit_opened": allFixed("from", "to", "reason"),
  "agent.circuit_closed": allFixed("from", "to", "reason"),
  "agent.anomaly_detected": allFixed("agentName", "kind", "recent", "baseline", "multiple", "threshold", "windowMinutes"),
  "agent.unresponsive": allFixed("agentName", "lastSeenAt", "heartbeatSeconds", "runs"),
  "agent.evidence": { ...allFixed("agentName", "actionAuditEventId", "findings"), kind: identifier("kind"), details: screened, eventId: identifier("eventId") },
  "agent.loop_detected": allFixed("agentName", "kind", "actionType", "count", "maxRepeats", "windowSeconds", "source", "halted"),
  "run.ended": { ...allFixed("runId", "agentName", "status"), runKey: identifier("runId") },
  "delegation.created": {
    // The child's name is the delegation's and eight random letters.
    ...allFixed("delegationId", "parentAgentId", "parentAgentName", "childAgentId", "childAgentName", "rootAgentId", "depth", "expiresAt", "keyId", "keyPrefix", "idempotencyRef"),
    name: identifier("name"),
    capabilities: identifier("capabilities"),
    metadata: screened,
  },
  "delegation.revoked": allFixed("delegationId", "name", "parentAgentId", "childAgentId", "depth", "keysRevoked", "keyRevoked", "revokedWith"),
  "delegation.expired": allFixed("delegationId", "name", "parentAgentId", "childAgentId", "expiresAt"),
  "policy.version_published": { ...allFixed("policyId", "version", "contentHash"), name: config("policies"), document: config("policies") },
  "policy.archived": allFixed("policyId", "name", "version"),
  // `reason`: Gatehouse's (the seed's).
  "key.issued": { ...allFixed("kind", "prefix", "expiresAt", "idempotencyRef", "reason", "membershipId"), name: identifier("name") },
  "key.revoked": allFixed("kind", "prefix", "reason"),
  "key.reissued": allFixed("kind", "prefix", "previousPrefix", "reason"),
  // The Idempotency-Key of a rotation is kept as sent (a retry finds the rotation by it); an org with no key yet gets `created`.
  "audit.signing_key_created": { ...allFixed("keyId", "vkey", "previousKeyId", "previousVkey"), idempotencyKey: identifier("idempotency-key") },
  "audit.signing_key_rotated": { ...allFixed("keyId", "vkey", "previousKeyId", "previousVkey"), idempotencyKey: identifier("idempotency-key") },
  "org.created": { slug: identifier("slug"), name: identifier("name") },
  "audit.report_generated": allFixed("report", "from", "to", "format", "treeSize", "rootHash", "reportSha256"),
  "audit.erased": { ...allFixed("entries", "subjectTag", "approvalId"), reason: text("reason") },
  "audit.pruned": allFixed("startSize", "previousStartSize", "rootHash", "chainHash", "droppedBefore", "days"),
  "org.renamed": { from: fixed, to: identifier("name") },
  "org.slug_changed": { from: fixed, to: identifier("slug") },
  // `before`: the settings as they were, checked when they were set.
  "org.settings_changed": { before: fixed, after: config("settings"), approvalId: fixed },
  // `record`: Gatehouse's challenge name. The domain came through the settings (signIn.ssoDomains).
  "org.sso_domain_verified": { domain: identifier("domain"), record: fixed },
  // `events`: names from Gatehouse's list; `reason`: Gatehouse's (a 410, retries used up).
  "webhook.endpoint_changed": { ...allFixed("endpointId", "change", "events", "reason"), url: identifier("url") },
  // A detector's name is configuration an admin publishes: it may not hold a secret. Its pattern and keywords
  // reach the entry only as keyed fingerprints (a literal pattern may be the secret it guards); `pattern` and
  // `keywords` in clear are in entries written before, never in one appended now.
  "mcp.server_changed": { ...allFixed("serverId", "change", "credential"), name: identifier("name"), url: identifier("url") },
  "mcp.gateway_changed": { ...allFixed("gatewayId", "change", "servers", "onChange"), name: identifier("name") },
  // What a gateway saw (a server's tool names and digests, Gatehouse's own sentences): nothing a caller typed; tool names are kept as the server listed them so a person can find them.
  "mcp.connected": allFixed("sessionId", "gatewayId", "gateway", "protocolVersion"),
  "mcp.disconnected": allFixed("sessionId", "gatewayId", "gateway", "reason"),
  "mcp.error": allFixed("gatewayId", "gateway", "serverId", "server", "method", "error"),
  "mcp.catalog_pinned": allFixed("serverId", "server", "catalogDigest", "tools", "findings"),
  "mcp.catalog_accepted": allFixed("serverId", "server", "tool", "fields", "previousDigest", "digest", "catalogDigest"),
  "mcp.catalog_changed": allFixed("serverId", "server", "pinnedDigest", "seenDigest", "changed", "added", "removed", "findings"),
  "content.detector_changed": {
    ...allFixed("detectorId", "change", "class", "patternFingerprint", "keywordFingerprints", "pattern", "keywords", "checksum", "enabled"),
    name: config("name"),
  },
  "member.handover_set": allFixed("from", "to", "until"),
  "member.handover_ended": allFixed("from", "to"),
  "grant.created": {
    ...allFixed("grantId", "approvalId", "agentId", "actionType", "anyArguments", "expiresAt", "maxUses", "member"),
    match: identifier("match"),
    reason: text("reason"),
  },
  // `reason`: Gatehouse's (the giver's authority ended).
  "grant.revoked": allFixed("grantId", "actionType", "member", "reason"),
  // `account`: Slack's id of the workspace, from Slack.
  "integration.changed": allFixed("integration", "change", "account", "approvalId"),
  "org.closed": allFixed("slug"),
  // Members' addresses are the identities the entries are about (proven at sign-in, or the invitation's).
  "member.added": member,
  "member.invited": { email: config("email"), role: fixed, expiresAt: fixed },
  "member.joined": allFixed("userId", "email", "role", "invitationId", "newAccount", "via", "domain"),
  "member.role_changed": allFixed("userId", "email", "from", "to"),
  // `reason`: Gatehouse's (a removal by single sign-on's first proof).
  "member.removed": { ...member, reason: fixed },
  "member.left": { ...member, reason: fixed },
  "member.password_reset": allFixed("email"),
  "invitation.revoked": allFixed("email", "role", "reason"),
  "invitation.reissued": allFixed("email", "role"),
  "account.password_changed": allFixed("userId"),
  "account.password_reset": allFixed("userId"),
  "account.sessions_ended": allFixed("userId"),
};

/** Whether a caller's text reaches a field of this type that the append screens (text, identifier or configuration). */
function screensAtAppend(field: LogField): boolean {
  if (typeof field === "string") return false;
  return "nested" in field ? Object.values(field.nested).some(screensAtAppend) : true;
}

const SCREENED_AT_APPEND: ReadonlySet<string> = new Set(
  Object.entries(LOG_FIELDS as Record<string, Record<string, LogField>>)
    .filter(([, fields]) => Object.values(fields).some(screensAtAppend))
    .map(([type]) => type),
);

/** Whether an entry of this type has a field the append screens: entries without one cost the append nothing. */
export function screensCallerText(type: string): boolean {
  return SCREENED_AT_APPEND.has(type) || !Object.hasOwn(LOG_FIELDS, type);
}

const detectorsOf = (findings: readonly ContentFinding[]) => [...new Set(findings.map((f) => f.detector))].join(", ");

/** A field of an entry a caller's text reaches, with where it is in `data` and the name the caller gave it. */
interface Leaf {
  at: readonly string[];
  kind: "text" | "identifier" | "config";
  name: string;
  value: unknown;
}

function leavesOf(value: Record<string, unknown>, fields: Readonly<Record<string, LogField>>, at: readonly string[], out: Leaf[]): Leaf[] {
  for (const key of Object.keys(value)) {
    const element = value[key];
    if (element === undefined || element === null) continue;
    const field: LogField = fields[key] ?? { text: key };
    if (field === "fixed" || field === "screened") continue;
    if ("nested" in field) {
      if (typeof element === "object" && !Array.isArray(element)) leavesOf(element as Record<string, unknown>, field.nested, [...at, key], out);
      continue;
    }
    const [kind, name] =
      "text" in field ? (["text", field.text] as const) : "identifier" in field ? (["identifier", field.identifier] as const) : (["config", field.config] as const);
    out.push({ at: [...at, key], kind, name, value: element });
  }
  return out;
}

function setAt(value: Record<string, unknown>, at: readonly string[], next: unknown): Record<string, unknown> {
  const [head, ...rest] = at as [string, ...string[]];
  return { ...value, [head]: rest.length === 0 ? next : setAt(value[head] as Record<string, unknown>, rest, next) };
}

/**
 * An entry's `data` through its type's declaration (LOG_FIELDS) with a screen keyed for the org:
 * free text as the rules say (its placeholders written in), and the issues that refuse the entry — a
 * text a class set to `deny` finds, an identifier holding what the rules would redact or refuse, a
 * configuration holding such a secret — each naming the field as the caller sent it (the finding's
 * path below it), never the value. `"screened"` and `"fixed"` fields are left as they are; a field the
 * declaration does not know (of an entry type outside the union, say) is screened as free text. Each
 * kind is screened in one pass over its fields (a decision's identifiers cost one screen). Returns the
 * same `data` object when nothing changes.
 */
/** The generic secret rule (a high-entropy token after a word such as "key"), which identifiers are not refused for. */
const GENERIC_SECRET_DETECTOR = "high_entropy_secret";

export function screenLogData(type: string, data: Record<string, unknown>, screen: ContentScreen): { data: Record<string, unknown>; issues: FieldIssue[] } {
  const declared: Readonly<Record<string, LogField>> = (LOG_FIELDS as Record<string, Record<string, LogField>>)[type] ?? {};
  const leaves = leavesOf(data, declared, [], []);
  if (leaves.length === 0) return { data, issues: [] };
  const issues: FieldIssue[] = [];
  // Each kind's fields as one value keyed by their place in the group ("0", "1", …: too short to be screened as keys).
  const batch = (group: readonly Leaf[]) => Object.fromEntries(group.map((leaf, i) => [String(i), leaf.value]));
  const leafOf = (group: readonly Leaf[], path: string) => {
    const end = path.search(/[.[]/);
    const leaf = group[Number(end < 0 ? path : path.slice(0, end))];
    return { leaf, path: leaf ? leaf.name + (end < 0 ? "" : path.slice(end)) : path };
  };
  const refuse = (group: readonly Leaf[], findings: readonly ContentFinding[], message: (detectors: string) => string) => {
    const named = new Map<Leaf | undefined, { path: string; findings: ContentFinding[] }>();
    for (const finding of findings) {
      const { leaf, path } = leafOf(group, finding.path);
      const seen = named.get(leaf);
      if (seen) seen.findings.push(finding);
      else named.set(leaf, { path, findings: [finding] });
    }
    for (const { path, findings: found } of named.values()) issues.push({ path, message: message(detectorsOf(found)) });
  };
  const written = (detectors: string) =>
    `holds content the org's content rules do not let into the log (${detectors}); a name, key or setting is written as sent, so send it without that value`;

  const identifiers = leaves.filter((leaf) => leaf.kind === "identifier");
  if (identifiers.length > 0) {
    const value = batch(identifiers);
    const found = screen(value, []).findings;
    // Personal data found may hide a secret (one inside an email address): looked at again for secrets alone.
    const again = found.some((f) => f.class === "personalData") ? screen(value, [], "secrets").findings : [];
    refuse(
      identifiers,
      // Not the generic rule: ids are often random or digests, and one such as `tc:call-secret:<digest>`
      // (a tool call's idempotency key) reads to it as a token after the word "secret". A provider's
      // format or personal data refuses an identifier; a digest does not.
      [...found, ...again].filter((f) => f.action !== "flagged" && f.detector !== GENERIC_SECRET_DETECTOR),
      written,
    );
  }
  // A configuration's personal data is the people it names: only secrets are looked for.
  const configs = leaves.filter((leaf) => leaf.kind === "config");
  if (configs.length > 0) {
    refuse(
      configs,
      screen(batch(configs), [], "secrets").findings.filter((f) => f.action !== "flagged"),
      written,
    );
  }
  let out = data;
  const texts = leaves.filter((leaf) => leaf.kind === "text");
  if (texts.length > 0) {
    const result = screen(batch(texts), []);
    if (result.denied) {
      refuse(
        texts,
        result.findings.filter((f) => f.action === "denied"),
        (detectors) => `holds content the org's content rules refuse (${detectors}); send it without that value`,
      );
    }
    for (const [i, leaf] of texts.entries()) {
      const next = result.value[String(i)];
      if (next !== leaf.value) out = setAt(out, leaf.at, next);
    }
  }
  return { data: out, issues };
}
