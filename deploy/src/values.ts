// The settings a team changes when it runs Gatehouse on Kubernetes: their schema, the defaults
// (deploy/values/default.json) and how value files are layered on them. Every setting here is documented
// in docs/kubernetes.md ("Settings"), and scripts/test/house/deploy.test.ts checks that each one reaches
// the container the table names.
import { readFileSync } from "node:fs";
import { isIPv4, isIPv6 } from "node:net";
import type { IResourceRequirements } from "kubernetes-models/v1/ResourceRequirements";
import type { INetworkPolicyPeer } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer";
import { z } from "zod";

/** Kubernetes object names (RFC 1123 subdomain) and labels (RFC 1123 label), as the API server checks them. */
export const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const subdomain = z.string().regex(DNS_SUBDOMAIN, "must be a Kubernetes object name (lower-case letters, digits, '-' and '.')");
const label = z.string().regex(DNS_LABEL, "must be a DNS label (at most 63 lower-case letters, digits and '-')");

/** Schemas that are one setting though they are objects: the walk in settingPaths stops at them. */
const LEAVES = new WeakSet<z.ZodType>();
function leaf<T extends z.ZodType>(schema: T): T {
  LEAVES.add(schema);
  return schema;
}

/** A key of a Secret the team creates: the manifests name it, never hold its value. */
const secretRef = leaf(
  z.strictObject({
    name: subdomain,
    key: z.string().regex(/^[-._a-zA-Z0-9]{1,253}$/, "must be a Secret key (letters, digits, '-', '_' and '.')"),
  }),
);
export type SecretRef = z.output<typeof secretRef>;

const isRecord = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value);
// Their shape is Kubernetes' own; the rendered objects are validated against its schemas.
const peer = z.custom<INetworkPolicyPeer>(isRecord, "must be a NetworkPolicy peer (podSelector, namespaceSelector or ipBlock)");
const resources = z.custom<IResourceRequirements>(isRecord, "must be a container's resources ({ requests, limits })");

const port = z.number().int().min(1).max(65535);

/** An address's bits, most significant first, as a bigint of 32 (IPv4) or 128 (IPv6) bits; null when it is not an address. */
export function addressBits(address: string): { bits: bigint; width: 32 | 128 } | null {
  if (isIPv4(address)) return { bits: address.split(".").reduce((sum, part) => (sum << 8n) | BigInt(Number(part)), 0n), width: 32 };
  if (!isIPv6(address) || address.includes("%")) return null;
  let text = address.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const tail = addressBits(v4[1])?.bits ?? 0n;
    text = `${text.slice(0, -v4[1].length)}${(tail >> 16n).toString(16)}:${(tail & 0xffffn).toString(16)}`;
  }
  const [head = "", rest] = text.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = rest === undefined || rest === "" ? [] : rest.split(":");
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return { bits: groups.reduce((sum, group) => (sum << 16n) | BigInt(parseInt(group, 16)), 0n), width: 128 };
}

/** `a.b.c.d/n` or `x::/n` whose address has no bit set past the prefix (what the API server accepts without a warning). */
function cidrProblem(range: string): string | null {
  const [address = "", prefix, extra] = range.split("/");
  const parsed = addressBits(address);
  if (parsed === null || prefix === undefined || extra !== undefined || !/^\d{1,3}$/.test(prefix) || Number(prefix) > parsed.width)
    return "must be a CIDR range (10.0.0.0/8, fc00::/7)";
  const hostBits = BigInt(parsed.width - Number(prefix));
  if ((parsed.bits & ((1n << hostBits) - 1n)) !== 0n) return "must have no address bit set past its prefix (10.0.0.0/8, not 10.1.0.0/8)";
  return null;
}
const cidr = z.string().superRefine((range, context) => {
  const problem = cidrProblem(range);
  if (problem) context.addIssue({ code: "custom", message: problem });
});
/** A proxy's address, or a CIDR range of them: what GATEHOUSE_TRUSTED_PROXIES takes (packages/core's parseTrustedProxies). */
const proxy = z.string().superRefine((entry, context) => {
  if (entry.includes("/") ? cidrProblem(entry) !== null : addressBits(entry) === null) {
    context.addIssue({ code: "custom", message: "must be an address or a CIDR range (10.42.3.17, 10.42.7.0/28, fd00::5)" });
  }
});
/** Where a dependency is: the ports and the NetworkPolicy peers the Gatehouse pods may open connections to (none when `to` is empty). */
const egress = leaf(z.strictObject({ ports: z.array(port).min(1), to: z.array(peer) }));
export type Egress = z.output<typeof egress>;

const origin = z
  .url({ protocol: /^https?$/ })
  .refine((url) => /^[a-z]+:\/\/[^/?#]+$/i.test(url), "must be an origin only (scheme, host and port), without a path or a trailing slash");
const imageName = z.string().regex(/^[a-z0-9][a-z0-9._\-/:]*[a-z0-9]$/, "must be an image name without its tag (registry.example.com/gatehouse-api)");
const count = z.number().int().min(1);

export const valuesSchema = z
  .strictObject({
    namespace: label,
    images: z.strictObject({
      api: imageName,
      console: imageName,
      // An image tag that is also a label value (app.kubernetes.io/version): at most 63 characters, a letter or digit at each end.
      tag: z.string().regex(/^[A-Za-z0-9]([\w.-]{0,61}[A-Za-z0-9])?$/, "must be an image tag of at most 63 characters, starting and ending with a letter or digit"),
      pullPolicy: z.enum(["Always", "IfNotPresent", "Never"]),
      pullSecrets: z.array(subdomain),
    }),
    consoleUrl: origin,
    apiUrl: origin,
    signup: z.enum(["invite", "off", "open"]),
    trustedProxies: z.array(proxy),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
    secrets: z.strictObject({ masterKey: secretRef, authSecret: secretRef }),
    mail: z.strictObject({ smtpUrl: secretRef.nullable(), from: z.string().min(3).max(320) }),
    sso: z.strictObject({
      issuer: z.url({ protocol: /^https$/ }).nullable(),
      clientId: z.string().min(1).nullable(),
      clientSecret: secretRef.nullable(),
      name: z.string().trim().min(1).max(60),
    }),
    database: z.strictObject({
      url: secretRef,
      ownerUrl: secretRef,
      replicaUrl: secretRef.nullable(),
      poolMode: z.enum(["session", "transaction"]),
      poolSize: z.number().int().min(1).max(200),
      statementTimeoutMs: z.number().int().min(0).max(3_600_000),
      egress,
    }),
    redis: z.strictObject({
      url: secretRef.nullable(),
      bundled: z.strictObject({ image: z.string().min(1), password: secretRef, storage: z.string().regex(/^\d+(Ki|Mi|Gi|Ti)$/), storageClass: subdomain.nullable(), resources }),
      egress,
    }),
    telemetry: z.strictObject({ endpoint: z.url({ protocol: /^https?$/ }).nullable(), headers: secretRef.nullable(), egress }),
    metrics: z.strictObject({ token: secretRef.nullable() }),
    api: z.strictObject({
      autoscaling: z.strictObject({ minReplicas: count, maxReplicas: count, cpuUtilization: z.number().int().min(1).max(100) }),
      resources,
      workPoolSize: z.number().int().min(1).max(64),
    }),
    console: z.strictObject({ replicas: count, resources, workPoolSize: z.number().int().min(1).max(64) }),
    worker: z.strictObject({ replicas: count, resources }),
    migrate: z.strictObject({ resources, activeDeadlineSeconds: count }),
    ingress: z.strictObject({ className: z.string().min(1).nullable(), tlsSecret: subdomain.nullable(), annotations: z.record(z.string(), z.string()) }),
    networkPolicy: z.strictObject({
      ingressController: z.array(peer).min(1),
      dns: z.array(peer).min(1),
      scraper: z.array(peer),
      internet: z.strictObject({ ports: z.array(port), except: z.array(cidr) }),
    }),
  })
  .superRefine((values, context) => {
    if (values.api.autoscaling.maxReplicas < values.api.autoscaling.minReplicas) {
      context.addIssue({ code: "custom", path: ["api", "autoscaling", "maxReplicas"], message: "must be at least minReplicas" });
    }
    if (new URL(values.consoleUrl).host === new URL(values.apiUrl).host) {
      context.addIssue({ code: "custom", path: ["apiUrl"], message: "must have a host of its own: the Ingress sends each host to one service" });
    }
  });

export type Values = z.output<typeof valuesSchema>;

const ROOT = new URL("../..", import.meta.url);
export const DEFAULT_VALUES_FILE = new URL("deploy/values/default.json", ROOT);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** `over` laid on `base`: objects merge key by key, anything else (arrays too) replaces. */
export function mergeValues(base: Json, over: Json): Json {
  if (!isRecord(base) || !isRecord(over)) return over;
  const merged: Record<string, Json> = { ...(base as Record<string, Json>) };
  for (const [key, value] of Object.entries(over as Record<string, Json>)) merged[key] = key in merged ? mergeValues(merged[key] as Json, value) : value;
  return merged;
}

/** The defaults with each layer laid on in order, checked; every problem is named in one error. */
export function resolveValues(layers: readonly unknown[]): Values {
  const merged = layers.reduce<Json>((base, layer) => mergeValues(base, layer as Json), readJson(DEFAULT_VALUES_FILE));
  const parsed = valuesSchema.safeParse(merged);
  if (!parsed.success) throw new Error(`Invalid values:\n${parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`).join("\n")}`);
  return parsed.data;
}

export function readJson(file: URL | string): Json {
  return JSON.parse(readFileSync(file, "utf8")) as Json;
}

/**
 * Every setting's path (`database.url`, `api.autoscaling.minReplicas`): the schema's fields, into its
 * objects but not into a Secret reference, a list or a map, which are one setting each.
 */
export function settingPaths(schema: z.ZodType = valuesSchema, prefix = ""): string[] {
  const inner = unwrap(schema);
  if (!(inner instanceof z.ZodObject) || LEAVES.has(inner)) return [prefix];
  return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([key, field]) => settingPaths(field, prefix === "" ? key : `${prefix}.${key}`));
}

function unwrap(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodNullable || schema instanceof z.ZodOptional) return unwrap(schema.unwrap() as z.ZodType);
  if (schema instanceof z.ZodPipe) return unwrap(schema.in as z.ZodType);
  return schema;
}
