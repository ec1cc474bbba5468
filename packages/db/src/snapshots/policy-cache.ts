import { canonicalize, compilePolicy, PolicySet, sha256Hex, type CompiledPolicy, type PolicyDocument } from "@gatehouse/core";
import { db } from "../infra/client";
import { SharedLookups } from "../infra/shared-lookups";
import { signals } from "../infra/signals";

/**
 * Each API process keeps every org's compiled policies. Three things keep the cache honest:
 * - a `policies.changed` signal (Redis pub/sub) drops an org's entry on every instance at once;
 * - at most every REVISION_CHECK_MS a one-row read of `orgs.policy_revision` catches a lost signal;
 * - at most every REVERIFY_MS the whole set is reloaded and every version's document is hashed again
 *   and compared with its stored content hash and the hash its publication wrote into the audit log.
 * A version that fails the check makes the org's decisions deny with POLICY_TAMPERED (fail closed)
 * until the set is published again through the API.
 */
export const REVISION_CHECK_MS = 1_000;
export const REVERIFY_MS = 10_000;

export interface OrgPolicies {
  set: PolicySet;
  revision: number;
  /** Names of active policies whose stored version no longer matches its published hash. */
  tampered: string[];
  loadedAt: number;
  checkedAt: number;
}

const cache = new Map<string, OrgPolicies>();
const loading = new SharedLookups<OrgPolicies>();
const checking = new SharedLookups<OrgPolicies>();
let subscribed = false;

function ensureSubscribed(): void {
  if (subscribed) return;
  subscribed = true;
  signals().subscribe((signal) => {
    if (signal.type === "policies.changed") invalidatePolicyCache(signal.orgId);
  });
}

export function invalidatePolicyCache(orgId?: string): void {
  if (orgId) cache.delete(orgId);
  else cache.clear();
  loading.forget(orgId);
  checking.forget(orgId);
}

/** Policy versions are immutable, so a verified, compiled version is reused across reloads. */
const compiled = new Map<string, { hash: string; policy: CompiledPolicy }>();

async function load(orgId: string, now: number): Promise<OrgPolicies> {
  const org = await db().org.findUniqueOrThrow({ where: { id: orgId }, select: { policyRevision: true } });
  const rows = await db().policy.findMany({
    where: { orgId, status: "active", currentVersionId: { not: null } },
    include: { currentVersion: true },
  });
  const versions = rows.flatMap((row) => (row.currentVersion ? [row.currentVersion] : []));
  const published = await db().auditEntry.findMany({
    where: { orgId, type: "policy.version_published", subjectId: { in: versions.map((v) => v.id) } },
    select: { subjectId: true, canonical: true },
  });
  const publishedHash = new Map(published.map((entry) => [entry.subjectId, (JSON.parse(entry.canonical) as { data: { contentHash?: string } }).data.contentHash]));
  const tampered: string[] = [];
  const policies: CompiledPolicy[] = [];
  for (const version of versions) {
    const document = version.document as unknown as PolicyDocument;
    const hash = sha256Hex(canonicalize(document));
    if (hash !== version.contentHash || publishedHash.get(version.id) !== version.contentHash) {
      tampered.push(document.name ?? version.id);
      continue;
    }
    let entry = compiled.get(version.id);
    if (!entry || entry.hash !== hash) {
      entry = { hash, policy: compilePolicy(document, { versionId: version.id, version: version.version }) };
      compiled.set(version.id, entry);
    }
    policies.push(entry.policy);
  }
  return { set: new PolicySet(policies), revision: org.policyRevision, tampered: tampered.sort(), loadedAt: now, checkedAt: now };
}

function reload(orgId: string, now: number): Promise<OrgPolicies> {
  return loading.run(orgId, async (isCurrent) => {
    const fresh = await load(orgId, now);
    if (isCurrent()) cache.set(orgId, fresh);
    return fresh;
  });
}

/** The org's current, verified policy set. */
export async function getOrgPolicies(orgId: string, now = Date.now()): Promise<OrgPolicies> {
  ensureSubscribed();
  const cached = cache.get(orgId);
  if (!cached || now - cached.loadedAt >= REVERIFY_MS) return reload(orgId, now);
  if (now - cached.checkedAt < REVISION_CHECK_MS) return cached;
  // One revision read per org however many decisions arrive while it is under way.
  return checking.run(orgId, async () => {
    const org = await db().org.findUniqueOrThrow({ where: { id: orgId }, select: { policyRevision: true } });
    if (org.policyRevision !== cached.revision) return reload(orgId, now);
    cached.checkedAt = now;
    return cached;
  });
}
