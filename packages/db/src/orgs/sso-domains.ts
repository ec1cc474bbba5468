import { Resolver } from "node:dns/promises";
import { verifySsoDomainBodySchema, type SsoDomainClaim, type SsoDomainClaimList } from "@gatehouse/contracts";
import { conflict, domainChallengeRecord, DomainError, signInSettings, txtRecordsProve, validationError, zodIssues } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";
import { isUniqueViolation } from "../infra/prisma-errors";

/** Answers a DNS name's TXT records, each as the strings DNS split it into (node:dns's resolveTxt). */
export type ResolveTxt = (name: string) => Promise<string[][]>;

export interface VerifySsoDomainDeps {
  /** Default: node:dns/promises with the system's resolvers (3 s per try, 2 tries). Tests pass their own. */
  resolveTxt?: ResolveTxt;
}

const systemResolveTxt: ResolveTxt = (name) => {
  const resolver = new Resolver({ timeout: 3_000, tries: 2 });
  return resolver.resolveTxt(name);
};

interface ClaimRow {
  domain: string;
  token: string;
  verifiedAt: Date | null;
}

function claimView(row: ClaimRow): SsoDomainClaim {
  return {
    domain: row.domain,
    status: row.verifiedAt ? "verified" : "pending",
    record: { type: "TXT", ...domainChallengeRecord(row.domain, row.token) },
    verifiedAt: row.verifiedAt?.toISOString() ?? null,
  };
}

function refused(domain: string, message: string): DomainError {
  return conflict(`domain: ${message}`, { issues: [{ path: "domain", message }], domain });
}

/** The org's claimed SSO domains (signIn.ssoDomains), each with its status and TXT record. Every member may read them, as the settings. */
export async function listSsoDomains({ ctx }: { ctx: Ctx }): Promise<SsoDomainClaimList> {
  const [org, claims] = await Promise.all([
    db().org.findUniqueOrThrow({ where: { id: ctx.org.id }, select: { settings: true } }),
    db().orgDomainClaim.findMany({ where: { orgId: ctx.org.id }, select: { domain: true, token: true, verifiedAt: true } }),
  ]);
  const byDomain = new Map(claims.map((c) => [c.domain, c]));
  return {
    domains: signInSettings(org.settings)
      .ssoDomains.map((d) => byDomain.get(d))
      .filter((c): c is ClaimRow => c !== undefined)
      .map(claimView),
  };
}

/**
 * Proves one of the org's claimed domains (`settings.write`): the DNS TXT record
 * `_gatehouse-challenge.<domain>` must carry `gatehouse-domain-verification=<this org's token>`. Then the
 * domain routes to this org (org_sso_domains, one org per domain: the first to prove it), audited as
 * `org.sso_domain_verified`. A domain the org does not claim is 404; no record, a wrong one (another
 * org's, a stale one) or a domain another org proved first is 409 naming `domain`. The lookup happens
 * before the transaction (no lock is held across the network).
 */
export async function verifySsoDomain({ ctx, input, deps = {} }: { ctx: Ctx; input: unknown; deps?: VerifySsoDomainDeps }): Promise<SsoDomainClaim> {
  requirePermission(ctx, "settings.write");
  const parsed = verifySsoDomainBodySchema.safeParse(input);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const { domain } = parsed.data;
  // As any other org's object: a plain 404 (another org's claim is never told apart from none).
  const notClaimed = new DomainError("NOT_FOUND", `domain: ${domain} is not among this organization's signIn.ssoDomains: add it there first`);
  const claim = await db().orgDomainClaim.findUnique({ where: { orgId_domain: { orgId: ctx.org.id, domain } }, select: { domain: true, token: true, verifiedAt: true } });
  if (!claim) throw notClaimed;
  if (claim.verifiedAt) return claimView(claim);
  const record = domainChallengeRecord(domain, claim.token);
  let answer: string[][];
  try {
    answer = await (deps.resolveTxt ?? systemResolveTxt)(record.name);
  } catch (error) {
    const code = typeof error === "object" && error !== null && "code" in error ? String((error as { code: unknown }).code) : "lookup failed";
    throw refused(domain, `no TXT record found at ${record.name} (${code}): publish ${record.value} there, then verify again`);
  }
  if (!txtRecordsProve(answer, record.value)) {
    throw refused(domain, `the TXT records at ${record.name} do not include this organization's value ${record.value}`);
  }
  return db().$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM orgs WHERE id = ${ctx.org.id} FOR UPDATE`;
    const current = await tx.orgDomainClaim.findUnique({ where: { orgId_domain: { orgId: ctx.org.id, domain } } });
    // Dropped from the settings, or dropped and claimed again (a new token) while DNS was asked.
    if (!current || current.token !== claim.token) throw notClaimed;
    if (current.verifiedAt) return claimView(current);
    const taken = await tx.orgSsoDomain.findUnique({ where: { domain }, select: { orgId: true } });
    if (taken && taken.orgId !== ctx.org.id) throw refused(domain, `${domain} was proved by another organization first: it routes there`);
    try {
      if (!taken) await tx.orgSsoDomain.create({ data: { domain, orgId: ctx.org.id } });
    } catch (error) {
      if (isUniqueViolation(error)) throw refused(domain, `${domain} was proved by another organization first: it routes there`);
      throw error;
    }
    const verified = await tx.orgDomainClaim.update({ where: { orgId_domain: { orgId: ctx.org.id, domain } }, data: { verifiedAt: new Date() } });
    await appendAuditEntry(tx, ctx.org.id, { type: "org.sso_domain_verified", actor: actorRef(ctx.actor), subjectId: ctx.org.id, data: { domain, record: record.name } });
    return claimView(verified);
  }, TX_OPTIONS);
}
