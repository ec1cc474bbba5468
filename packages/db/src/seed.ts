import { hashApiKey, hashPassword } from "@gatehouse/core";
import { systemCtx } from "./actors/context";
import { createAgent } from "./agents/create-agent";
import { appendAuditEntry } from "./audit/append-audit-entries";
import { db, TX_OPTIONS } from "./infra/client";
import { insertApiKey } from "./keys/insert-api-key";
import { issueAdminKey } from "./keys/issue-admin-key";
import { createOrg } from "./orgs/create-org";
import { applyPolicies } from "./policies/apply-policies";

/** What `npm start` and `npm run db:seed` leave in $GATEHOUSE_HOME/dev.json (docs/architecture.md, "Main job"). */
export interface DevJson {
  apiUrl: string;
  webUrl: string;
  orgSlug: string;
  agentApiKey: string;
  adminApiKey: string;
  adminEmail: string;
  adminPassword: string;
}

export const DEMO_ORG_SLUG = "demo";
export const DEMO_ADMIN_EMAIL = "admin@gatehouse.local";
export const DEMO_AGENT_NAME = "demo-agent";

/** A starter set that shows each effect: reads and PR work allowed, merges reviewed, deletes denied. */
export const STARTER_POLICIES = [
  { name: "allow-reads", description: "Read-only actions are allowed", actions: ["*.read", "*.list", "*.get"], agents: ["*"], effect: "allow" },
  { name: "allow-pr-work", description: "Agents may open and comment on pull requests", actions: ["pr.open", "pr.comment"], agents: ["*"], effect: "allow" },
  {
    name: "merges-need-review",
    description: "A person approves every merge",
    actions: ["pr.merge"],
    agents: ["*"],
    effect: "require_approval",
    approval: { quorum: 1, timeoutSeconds: 3600, approverRoles: ["approver", "admin", "owner"] },
  },
  { name: "no-deletes", description: "Destructive actions are never allowed", actions: ["*.delete", "db.drop"], agents: ["*"], effect: "deny" },
  {
    name: "model-calls-daily",
    description: "Model calls (llm.*) are allowed up to 2 million tokens and $5 per agent per day",
    actions: ["llm.*"],
    agents: ["*"],
    effect: "allow",
    budget: { limit: { tokens: 2_000_000, usd: 5 }, per: "agent-day", atLimit: "deny" },
  },
];

async function keyStillValid(key: string): Promise<boolean> {
  const row = await db().apiKey.findUnique({ where: { keyHash: hashApiKey(key) } });
  return Boolean(row && !row.revokedAt);
}

/**
 * Seeds the demo org once. On later runs it keeps everything and reuses the credentials in the
 * previous dev.json; if those are gone (dev.json deleted), it issues fresh demo keys and a new demo
 * password, since only hashes are stored and the old ones cannot be recovered.
 */
export async function seedDemo(args: { previous: DevJson | null; apiUrl: string; webUrl: string; newPassword: () => string }): Promise<{ dev: DevJson; summary: string }> {
  const { previous, apiUrl, webUrl } = args;
  const existing = await db().org.findUnique({ where: { slug: DEMO_ORG_SLUG } });
  if (!existing) {
    const password = args.newPassword();
    const created = await createOrg({ input: { slug: DEMO_ORG_SLUG, name: "Demo Org", owner: { email: DEMO_ADMIN_EMAIL, name: "Demo Admin", password } } });
    const ctx = systemCtx(created.org, "seed");
    const agent = await createAgent({ ctx, input: { name: DEMO_AGENT_NAME, description: "The agent of the README example", labels: { team: "demo" } } });
    const admin = await issueAdminKey({ ctx, input: { membershipId: created.owner.membershipId, name: "demo admin key" } });
    await applyPolicies({ ctx, input: { policies: STARTER_POLICIES } });
    return {
      dev: { apiUrl, webUrl, orgSlug: DEMO_ORG_SLUG, agentApiKey: agent.apiKey, adminApiKey: admin.apiKey, adminEmail: DEMO_ADMIN_EMAIL, adminPassword: password },
      summary: "seeded the demo org",
    };
  }

  if (previous && previous.orgSlug === DEMO_ORG_SLUG && (await keyStillValid(previous.agentApiKey)) && (await keyStillValid(previous.adminApiKey))) {
    return { dev: { ...previous, apiUrl, webUrl }, summary: "demo org already seeded; kept it" };
  }

  const org = { id: existing.id, slug: existing.slug, name: existing.name };
  const ctx = systemCtx(org, "seed");
  const owner = await db().membership.findFirst({ where: { orgId: org.id, user: { email: DEMO_ADMIN_EMAIL } }, include: { user: true } });
  const agent = await db().agent.findFirst({ where: { orgId: org.id, name: DEMO_AGENT_NAME } });
  if (!owner || !agent) throw new Error(`org '${DEMO_ORG_SLUG}' exists but is not the demo org; not touching it`);
  const password = args.newPassword();
  const agentKey = await db().$transaction(async (tx) => {
    await tx.user.update({ where: { id: owner.userId }, data: { passwordHash: await hashPassword(password) } });
    const key = await insertApiKey(tx, { orgId: org.id, holder: { kind: "agent", agentId: agent.id }, name: "demo (reissued)" });
    await appendAuditEntry(tx, org.id, {
      type: "key.issued",
      actor: { type: "system", id: "seed" },
      agentId: agent.id,
      subjectId: key.id,
      data: { kind: "agent", prefix: key.prefix, reason: "dev.json missing" },
    });
    await appendAuditEntry(tx, org.id, { type: "member.password_reset", actor: { type: "system", id: "seed" }, subjectId: owner.id, data: { email: DEMO_ADMIN_EMAIL } });
    return key;
  }, TX_OPTIONS);
  const admin = await issueAdminKey({ ctx, input: { membershipId: owner.id, name: "demo admin key (reissued)" } });
  return {
    dev: { apiUrl, webUrl, orgSlug: DEMO_ORG_SLUG, agentApiKey: agentKey.plaintext, adminApiKey: admin.apiKey, adminEmail: DEMO_ADMIN_EMAIL, adminPassword: password },
    summary: "demo org already seeded, but dev.json was missing: issued new demo keys and password",
  };
}
