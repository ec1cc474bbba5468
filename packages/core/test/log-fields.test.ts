import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AUDIT_ENTRY_TYPE_NAMES, AUDIT_ENTRY_TYPES, LOG_FIELDS, screenContent, screenLogData, type ContentAction, type ContentScreen, type LogField } from "../src";

// Nothing secret in any field of the log (issue 41, scope 6; docs/content.md, "Every field of the log"):
// every field of every entry type says whether a caller's text reaches it and how the content rules
// hold it; a finding's path never repeats a value the rules redact or refuse.

const TOKEN = `ghp_${"A1b2".repeat(9)}`;
const EMAIL = "jane.doe@example.com";
const tag = (value: string) => (value === TOKEN ? "t0k3n000" : value === EMAIL ? "e0000000" : "other000");
const actions = (secrets: ContentAction, personalData: ContentAction = "flag") => ({ secrets, personalData });
const screenWith =
  (secrets: ContentAction, personalData: ContentAction = "flag"): ContentScreen =>
  (value, root, only) =>
    screenContent(value, root, { actions: actions(secrets, personalData), tag, ...(only ? { only } : {}) });

describe("a finding's path never repeats a key the rules rewrite", () => {
  it.each([
    ["a value under a redacted key", { [TOKEN]: `mail ${EMAIL}` }, ["metadata", "metadata.[secret:github_token#t0k3n000]"]],
    ["a value deeper under a redacted key", { nested: { [TOKEN]: { x: EMAIL } } }, ["metadata.nested", "metadata.nested.[secret:github_token#t0k3n000].x"]],
    ["an array under a redacted key", { [TOKEN]: [EMAIL] }, ["metadata", "metadata.[secret:github_token#t0k3n000][0]"]],
  ])("%s: the path names the placeholder", (_name, value, paths) => {
    const screened = screenContent(value, ["metadata"], { actions: actions("redact"), tag });
    expect(screened.findings.map((f) => f.path)).toEqual(paths);
    expect(JSON.stringify(screened)).not.toContain(TOKEN);
  });

  it("a refused key: the refusal's findings hold only its placeholder too", () => {
    const screened = screenContent({ a: { [TOKEN]: { b: EMAIL } } }, ["metadata"], { actions: actions("deny"), tag });
    expect(screened.denied).toBe(true);
    expect(JSON.stringify(screened)).not.toContain(TOKEN);
    expect(screened.findings.map((f) => f.path)).toEqual(["metadata.a", "metadata.a.[secret:github_token#t0k3n000].b"]);
  });

  it("two keys that become the same placeholder: each path names the key as written (~2)", () => {
    const collide = () => "samesame";
    const other = `ghp_${"Z9y8".repeat(9)}`;
    const screened = screenContent({ [TOKEN]: { v: EMAIL }, [other]: { v: EMAIL } }, ["metadata"], { actions: actions("redact"), tag: collide });
    expect(Object.keys(screened.value)).toEqual(["[secret:github_token#samesame]", "[secret:github_token#samesame]~2"]);
    expect(screened.findings.map((f) => f.path)).toEqual(["metadata", "metadata.[secret:github_token#samesame].v", "metadata", "metadata.[secret:github_token#samesame]~2.v"]);
  });

  it("a flagged key is kept as sent (the org keeps the value); a path names it by what was found, never the value (paths travel in events)", () => {
    const screened = screenContent({ [EMAIL]: { x: TOKEN } }, ["metadata"], { actions: actions("redact", "flag"), tag });
    expect(Object.keys(screened.value as object)).toEqual([EMAIL]);
    expect(screened.findings.map((f) => f.path)).toEqual(["metadata", "metadata.[personal:email].x"]);
  });
});

/** Every key a `data` schema can hold (each member of a union). */
function keysOf(schema: z.ZodType): string[] {
  const def = (schema as unknown as { def: { type: string; options?: z.ZodType[]; innerType?: z.ZodType } }).def;
  if (def.type === "union") return [...new Set((def.options ?? []).flatMap(keysOf))];
  if (def.type === "optional" || def.type === "nullable") return keysOf(def.innerType as z.ZodType);
  if (def.type === "object") return Object.keys((schema as z.ZodObject).shape);
  return [];
}

function nestedProblems(field: LogField, schema: z.ZodType, at: string): string[] {
  if (typeof field === "string" || !("nested" in field)) return [];
  const keys = keysOf(schema);
  const declared = Object.keys(field.nested);
  const problems = [
    ...keys.filter((k) => !declared.includes(k)).map((k) => `${at}.${k} is not declared`),
    ...declared.filter((k) => !keys.includes(k)).map((k) => `${at}.${k} is not in the schema`),
  ];
  const shape = keys.length > 0 ? (schema as z.ZodObject) : undefined;
  for (const [key, inner] of Object.entries(field.nested)) {
    const child = shape ? unwrap(schema).shape[key] : undefined;
    if (child) problems.push(...nestedProblems(inner, child as z.ZodType, `${at}.${key}`));
  }
  return problems;
}

function unwrap(schema: z.ZodType): z.ZodObject {
  const def = (schema as unknown as { def: { type: string; innerType?: z.ZodType } }).def;
  return def.type === "optional" || def.type === "nullable" ? unwrap(def.innerType as z.ZodType) : (schema as z.ZodObject);
}

describe("every field of every entry type is declared", () => {
  it.each(AUDIT_ENTRY_TYPE_NAMES)("%s: each field of its data says whether a caller's text reaches it", (type) => {
    const declared = (LOG_FIELDS as Record<string, Record<string, LogField> | undefined>)[type];
    expect(declared, `${type} has no declaration in LOG_FIELDS`).toBeDefined();
    const schema = AUDIT_ENTRY_TYPES[type].data as z.ZodType;
    expect(Object.keys(declared ?? {}).sort()).toEqual(keysOf(schema).sort());
    const problems = Object.entries(declared ?? {}).flatMap(([key, field]) => {
      const shapes = (schema as unknown as { def: { type: string; options?: z.ZodObject[] } }).def;
      const members = shapes.type === "union" ? (shapes.options ?? []) : [schema as z.ZodObject];
      return members.flatMap((member) => (member.shape[key] ? nestedProblems(field, member.shape[key] as z.ZodType, `${type}.${key}`) : []));
    });
    expect(problems).toEqual([]);
  });
});

describe("screenLogData applies the declaration", () => {
  const vote = (reason: string) => ({
    approvalId: "apr_1",
    actionId: "act_1",
    actionType: "pr.merge",
    decision: "approve",
    reason,
    member: { id: "mem_1", email: EMAIL },
    approvals: 1,
    quorum: 1,
    status: "approved",
  });

  it("free text under redact: rewritten; a member's proven address (fixed) is kept", () => {
    const screened = screenLogData("approval.vote", vote(`ok, used ${TOKEN}`), screenWith("redact", "redact"));
    expect(screened.issues).toEqual([]);
    expect(screened.data.reason).toBe("ok, used [secret:github_token#t0k3n000]");
    expect((screened.data.member as { email: string }).email).toBe(EMAIL);
  });

  it("free text under deny: refused, naming the field", () => {
    const screened = screenLogData("approval.vote", vote(`ok, used ${TOKEN}`), screenWith("deny"));
    expect(screened.issues.map((i) => i.path)).toEqual(["reason"]);
    expect(JSON.stringify(screened.issues)).not.toContain(TOKEN);
  });

  it.each(["flag", "off"] as const)("free text under %s: kept as sent", (secrets) => {
    const screened = screenLogData("approval.vote", vote(`ok, used ${TOKEN}`), screenWith(secrets));
    expect(screened.issues).toEqual([]);
    expect(screened.data.reason).toBe(`ok, used ${TOKEN}`);
  });

  const agent = (name: string, labels: Record<string, string> = {}) => ({ name, labels, keyId: "key_1", keyPrefix: "gh_agent_x" });

  it.each(["redact", "deny"] as const)("an identifier under %s: never rewritten, refused naming the field", (secrets) => {
    const screened = screenLogData("agent.created", agent("bot", { token: TOKEN }), screenWith(secrets));
    expect(screened.issues.map((i) => i.path)).toEqual(["labels.token"]);
    expect(screened.data.labels).toEqual({ token: TOKEN });
  });

  it.each(["flag", "off"] as const)("an identifier under %s: kept", (secrets) => {
    expect(screenLogData("agent.created", agent("bot", { token: TOKEN }), screenWith(secrets)).issues).toEqual([]);
  });

  it("a nested identifier names the field as the caller sent it (runId, spend.model)", () => {
    const screened = screenLogData(
      "action.decided",
      { run: { id: "run_1", runId: TOKEN }, reservation: { model: TOKEN, tokens: 1, micros: 1, budgets: [] } },
      screenWith("redact"),
    );
    expect(screened.issues.map((i) => i.path).sort()).toEqual(["runId", "spend.model"]);
  });

  it("an identifier that is a digest after a word such as 'secret' (a tool call's key) is not refused; a provider's token is", () => {
    const digest = "0123456789abcdef0fedcba987654321";
    const keyOf = (callId: string) => `tc:${callId}:${digest}`;
    for (const callId of ["call-secret", "call-token", "call-api-key", "call-password"]) {
      expect(screenLogData("action.decided", { eventId: keyOf(callId) }, screenWith("redact")).issues, callId).toEqual([]);
    }
    expect(screenLogData("action.decided", { eventId: `tc:${TOKEN}:${digest}` }, screenWith("redact")).issues.map((i) => i.path)).toEqual(["eventId"]);
  });

  it("configuration (a policy document): a secret refuses it; a member's address it names does not", () => {
    const published = (document: Record<string, unknown>) => ({ policyId: "pol_1", name: "p", version: 1, contentHash: "h", document });
    expect(screenLogData("policy.version_published", published({ approval: { approvers: [EMAIL] } }), screenWith("redact", "redact")).issues).toEqual([]);
    expect(screenLogData("policy.version_published", published({ description: TOKEN }), screenWith("redact")).issues.map((i) => i.path)).toEqual(["policies.description"]);
  });

  it("a secret inside an email address is still found in an identifier and in configuration", () => {
    const hidden = `${TOKEN.toLowerCase()}@example.com`;
    expect(screenLogData("member.invited", { email: hidden, role: "viewer", expiresAt: "t" }, screenWith("redact", "flag")).issues.map((i) => i.path)).toEqual(["email"]);
    expect(screenLogData("agent.created", agent("bot", { owner: hidden }), screenWith("redact", "flag")).issues.map((i) => i.path)).toEqual(["labels.owner"]);
    expect(screenLogData("member.invited", { email: EMAIL, role: "viewer", expiresAt: "t" }, screenWith("redact", "redact")).issues).toEqual([]);
  });

  it("fields screened where they were taken (the decision's metadata) are left as they are", () => {
    const screened = screenLogData("action.outcome", { actionId: "a", auditEventId: "b", actionType: "x", status: "success", message: TOKEN }, screenWith("deny"));
    expect(screened.issues).toEqual([]);
    expect(screened.data.message).toBe(TOKEN);
  });

  it("nothing found: the same data object comes back (no copy on the hot path)", () => {
    const data = vote("fine");
    expect(screenLogData("approval.vote", data, screenWith("redact")).data).toBe(data);
  });
});
