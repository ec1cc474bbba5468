// Gatehouse on Kubernetes, as cdk8s constructs: the objects of one installation, made from its values
// (./values.ts). Two charts, applied in order (docs/kubernetes.md): `migrate` (the migration Job of this
// release, with the account and network policy it runs under), then `gatehouse` (everything else).
// Objects are plain Kubernetes objects typed by kubernetes-models, so a misspelt field does not compile
// and the rendered result is validated against Kubernetes' schemas (./validate.ts).
import { ApiObject, App, Chart } from "cdk8s";
import type { Construct } from "constructs";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IStatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import type { IHorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import type { IJob } from "kubernetes-models/batch/v1/Job";
import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import type { IIngressRule } from "kubernetes-models/networking.k8s.io/v1/IngressRule";
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { INetworkPolicyEgressRule } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyEgressRule";
import type { INetworkPolicyPeer } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer";
import type { INetworkPolicyPort } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPort";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import type { IProbe } from "kubernetes-models/v1/Probe";
import type { ISecurityContext } from "kubernetes-models/v1/SecurityContext";
import type { IService } from "kubernetes-models/v1/Service";
import type { IServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { addressBits, type Egress, type SecretRef, type Values } from "./values";

/** The containers the settings reach, by the name each has in its pod. */
export type Component = "api" | "worker" | "console" | "migrate" | "redis";

export const API_PORT = 4000;
export const CONSOLE_PORT = 3000;

/**
 * Each process's metrics port (docs/metrics.md) and the variable that process reads it from: the ports docker-compose.yml
 * uses too. The worker's is its one port, its probes' way in as well (apps/worker/src/health.ts).
 */
export const METRICS = {
  api: { port: 9464, variable: "API_METRICS_PORT" },
  worker: { port: 9465, variable: "WORKER_HEALTH_PORT" },
  console: { port: 9466, variable: "WEB_METRICS_PORT" },
} as const;
/** Where every process serves its metrics (packages/db/src/infra/metrics-server.ts). */
export const METRICS_PATH = "/metrics";
const REDIS_PORT = 6379;
/** `node` in the official Node.js images the Dockerfiles build on; numeric, so runAsNonRoot can be checked. */
const NODE_UID = 1000;
/** `redis` in the official Redis image. */
const REDIS_UID = 999;

/** The Job's name for this release: one per image tag, so a new release runs its migrations once. */
export function migrationJobName(values: Values): string {
  const tag = values.images.tag
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  // A Job's name becomes its pods' label value: 63 characters at most, ending in a letter or digit.
  return `gatehouse-migrate-${tag}`.slice(0, 63).replace(/-+$/, "");
}

const nameOf = (component: Component) => `gatehouse-${component}`;
const selectorOf = (component: Component) => ({ "app.kubernetes.io/name": "gatehouse", "app.kubernetes.io/component": component });

/** Labels of every object and pod: the selector's two, what it belongs to, and the release. */
function labelsOf(values: Values, component: Component | "shared"): Record<string, string> {
  return {
    "app.kubernetes.io/name": "gatehouse",
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": "gatehouse",
    "app.kubernetes.io/version": values.images.tag,
    "app.kubernetes.io/managed-by": "cdk8s",
  };
}

function metadataOf(values: Values, name: string, component: Component | "shared", extra: { annotations?: Record<string, string> } = {}) {
  return { name, namespace: values.namespace, labels: labelsOf(values, component), ...extra };
}

const plain = (name: string, value: string | number): IEnvVar => ({ name, value: String(value) });
const secret = (name: string, ref: SecretRef): IEnvVar => ({ name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } });

/** What the API, the worker and the console all read (packages/db/src/infra/env.ts). */
function sharedEnv(values: Values): IEnvVar[] {
  const redis = values.redis.url
    ? [secret("REDIS_URL", values.redis.url)]
    : // Composed from the password here, so the Secret holds it once: Kubernetes expands $(REDIS_PASSWORD) from the variable above.
      [secret("REDIS_PASSWORD", values.redis.bundled.password), plain("REDIS_URL", `redis://:$(REDIS_PASSWORD)@${nameOf("redis")}:${REDIS_PORT}`)];
  return [
    plain("NODE_ENV", "production"),
    secret("DATABASE_URL", values.database.url),
    plain("DATABASE_POOL_MODE", values.database.poolMode),
    plain("DATABASE_POOL_SIZE", values.database.poolSize),
    plain("DATABASE_STATEMENT_TIMEOUT_MS", values.database.statementTimeoutMs),
    ...redis,
    secret("GATEHOUSE_MASTER_KEY", values.secrets.masterKey),
    plain("GATEHOUSE_CONSOLE_URL", values.consoleUrl),
    plain("GATEHOUSE_SIGNUP", values.signup),
    values.mail.smtpUrl ? secret("SMTP_URL", values.mail.smtpUrl) : plain("MAIL_TRANSPORT", "off"),
    plain("MAIL_FROM", values.mail.from),
  ];
}

/**
 * Where the process serves its metrics: its port, on every interface of the pod (the scraper comes from another pod;
 * the NetworkPolicy lets only it in), and the token a scrape must carry when one is set.
 */
function metricsEnv(values: Values, component: keyof typeof METRICS): IEnvVar[] {
  const { port, variable } = METRICS[component];
  return [plain(variable, port), plain("METRICS_HOST", "0.0.0.0"), ...(values.metrics.token ? [secret("METRICS_TOKEN", values.metrics.token)] : [])];
}

function telemetryEnv(values: Values): IEnvVar[] {
  return [
    ...(values.telemetry.endpoint ? [plain("OTEL_EXPORTER_OTLP_ENDPOINT", values.telemetry.endpoint)] : []),
    ...(values.telemetry.headers ? [secret("OTEL_EXPORTER_OTLP_HEADERS", values.telemetry.headers)] : []),
  ];
}

/** Whose X-Forwarded-For the API and the console believe (docs/adr/0017): only the proxies listed; none listed, no variable. */
function trustedProxiesEnv(values: Values): IEnvVar[] {
  return values.trustedProxies.length > 0 ? [plain("GATEHOUSE_TRUSTED_PROXIES", values.trustedProxies.join(","))] : [];
}

function envOf(values: Values, component: Exclude<Component, "redis">): IEnvVar[] {
  switch (component) {
    case "api":
      return [
        ...sharedEnv(values),
        plain("API_HOST", "0.0.0.0"),
        plain("API_PORT", API_PORT),
        plain("LOG_LEVEL", values.logLevel),
        ...trustedProxiesEnv(values),
        // The work pool sizes itself by the node's cores, not the container's share of them.
        plain("WORK_POOL_SIZE", values.api.workPoolSize),
        ...metricsEnv(values, "api"),
        ...telemetryEnv(values),
      ];
    case "worker":
      return [
        ...sharedEnv(values),
        // The owner role, for the daily month drop alone (docs/deploying.md, Two database roles); everything else runs as DATABASE_URL's.
        secret("DATABASE_OWNER_URL", values.database.ownerUrl),
        plain("LOG_LEVEL", values.logLevel),
        ...metricsEnv(values, "worker"),
        ...telemetryEnv(values),
      ];
    case "console":
      return [
        ...sharedEnv(values),
        secret("AUTH_SECRET", values.secrets.authSecret),
        // Sign-in takes the console's own address from here, never from the Host header.
        plain("AUTH_URL", values.consoleUrl),
        plain("WEB_HOST", "0.0.0.0"),
        plain("WEB_PORT", CONSOLE_PORT),
        ...trustedProxiesEnv(values),
        plain("API_URL", values.apiUrl),
        plain("NEXT_TELEMETRY_DISABLED", "1"),
        plain("WORK_POOL_SIZE", values.console.workPoolSize),
        ...(values.database.replicaUrl ? [secret("DATABASE_REPLICA_URL", values.database.replicaUrl)] : []),
        ...(values.sso.issuer ? [plain("AUTH_OIDC_ISSUER", values.sso.issuer)] : []),
        ...(values.sso.clientId ? [plain("AUTH_OIDC_CLIENT_ID", values.sso.clientId)] : []),
        ...(values.sso.clientSecret ? [secret("AUTH_OIDC_CLIENT_SECRET", values.sso.clientSecret)] : []),
        plain("AUTH_OIDC_NAME", values.sso.name),
        ...metricsEnv(values, "console"),
      ];
    case "migrate":
      // As the owner role, straight to PostgreSQL (migrations hold a session lock, never through a transaction pooler); DATABASE_URL
      // only names the runtime role it grants (docs/deploying.md, Two database roles).
      return [
        plain("NODE_ENV", "production"),
        secret("DATABASE_OWNER_URL", values.database.ownerUrl),
        secret("DATABASE_URL", values.database.url),
        plain("DATABASE_POOL_MODE", values.database.poolMode),
        plain("DATABASE_STATEMENT_TIMEOUT_MS", values.database.statementTimeoutMs),
      ];
  }
}

/** The Pod Security Standards' `restricted` profile, for a process that runs as `uid`. */
function restricted(uid: number, readOnlyRootFilesystem: boolean): ISecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/**
 * Liveness that asks only whether the process answers: any HTTP answer from the health route, 200 or 503,
 * proves its event loop turns. A 503 means PostgreSQL is down, which a restart would not mend (readiness takes
 * the pod out of the Service instead); no answer within the timeout means the process is stuck.
 */
function answersAt(port: number, path: string): IProbe {
  return {
    exec: {
      command: ["node", "-e", `fetch('http://127.0.0.1:${port}${path}').then(() => process.exit(0), () => process.exit(1))`],
    },
    periodSeconds: 20,
    timeoutSeconds: 5,
    failureThreshold: 3,
  };
}

/** Writable places of a read-only image: npm's logs and GATEHOUSE_HOME under /home/node, tsx's cache in /tmp. */
const SCRATCH = [
  { name: "home", mountPath: "/home/node" },
  { name: "tmp", mountPath: "/tmp" },
];
/** Where the console's image is built (apps/web/Dockerfile's WORKDIR). */
const CONSOLE_APP = "/app/apps/web";
/**
 * And the console's: Next.js's data and image caches (.next/cache) and the pages it caches while it runs
 * (.next/server/route-cache); the rest of its build stays read-only. Each starts empty with the pod, as the
 * console's server wants (apps/web/server.ts empties the route cache at every start).
 */
const CONSOLE_SCRATCH = [
  ...SCRATCH,
  { name: "next-cache", mountPath: `${CONSOLE_APP}/.next/cache` },
  { name: "route-cache", mountPath: `${CONSOLE_APP}/.next/server/route-cache` },
];
const scratchOf = (component: Exclude<Component, "redis">) => (component === "console" ? CONSOLE_SCRATCH : SCRATCH);

function nodeContainer(values: Values, component: Exclude<Component, "redis">): IContainer {
  const image = component === "console" ? values.images.console : values.images.api;
  const args = {
    api: ["npm", "run", "--silent", "api"],
    worker: ["npm", "run", "--silent", "worker"],
    console: ["npm", "run", "--silent", "web"],
    migrate: ["npm", "run", "--silent", "db:migrate"],
  }[component];
  const resources = { api: values.api.resources, worker: values.worker.resources, console: values.console.resources, migrate: values.migrate.resources }[component];
  // Every root is read-only: a process writes only where its scratch volumes mount.
  return {
    name: component,
    image: `${image}:${values.images.tag}`,
    imagePullPolicy: values.images.pullPolicy,
    // `args`, not `command`: the image's entrypoint stays, as under docker compose. The API image's own CMD
    // migrates first; here the migration Job does that, once per release, before the rollout.
    args,
    env: envOf(values, component),
    resources,
    securityContext: restricted(NODE_UID, true),
    volumeMounts: scratchOf(component),
  };
}

function podSpec(values: Values, component: Exclude<Component, "redis">, container: IContainer, extra: Partial<IPodSpec> = {}): IPodSpec {
  return {
    serviceAccountName: component === "migrate" ? nameOf("migrate") : "gatehouse",
    // Nothing in Gatehouse talks to the Kubernetes API.
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, fsGroup: NODE_UID, seccompProfile: { type: "RuntimeDefault" } },
    ...(values.images.pullSecrets.length > 0 ? { imagePullSecrets: values.images.pullSecrets.map((name) => ({ name })) } : {}),
    containers: [container],
    volumes: scratchOf(component).map(({ name }) => ({ name, emptyDir: {} })),
    ...extra,
  };
}

/** Replicas spread over nodes where they can be, so a node's loss takes one. */
const spread = (component: Component): Partial<IPodSpec> => ({
  topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selectorOf(component) } }],
});

/** A moment before SIGTERM, so the endpoints controller and the ingress stop sending new requests first. */
const drainFirst = { preStop: { exec: { command: ["sleep", "5"] } } };

const metricsPort = (component: keyof typeof METRICS) => ({ name: "metrics", containerPort: METRICS[component].port });

/** The conventional annotations a Prometheus `kubernetes-pods` job scrapes by: the port the process's variable names. */
const scrapeAnnotations = (component: keyof typeof METRICS) => ({
  "prometheus.io/scrape": "true",
  "prometheus.io/port": String(METRICS[component].port),
  "prometheus.io/path": METRICS_PATH,
});

function deployment(values: Values, component: "api" | "worker" | "console"): IDeployment {
  const container = nodeContainer(values, component);
  if (component === "api") {
    Object.assign(container, {
      ports: [{ name: "http", containerPort: API_PORT }, metricsPort("api")],
      // /healthz answers 503 while PostgreSQL does not answer within 150 ms (apps/api/src/routes/health.ts).
      readinessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
      livenessProbe: answersAt(API_PORT, "/healthz"),
      startupProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 2, failureThreshold: 60 },
      lifecycle: drainFirst,
    } satisfies Partial<IContainer>);
  } else if (component === "console") {
    Object.assign(container, {
      ports: [{ name: "http", containerPort: CONSOLE_PORT }, metricsPort("console")],
      // /api/healthz answers 503 while PostgreSQL does not answer within 2 s (apps/web/src/app/api/healthz/route.ts).
      readinessProbe: { httpGet: { path: "/api/healthz", port: "http" }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 },
      livenessProbe: answersAt(CONSOLE_PORT, "/api/healthz"),
      startupProbe: { httpGet: { path: "/api/healthz", port: "http" }, periodSeconds: 2, failureThreshold: 90 },
      lifecycle: drainFirst,
    } satisfies Partial<IContainer>);
  } else {
    Object.assign(container, {
      // One port: the metrics and the probes (apps/worker/src/health.ts), which the token never guards.
      ports: [metricsPort("worker")],
      // /readyz: the last election reached the database; /livez: elections keep running.
      readinessProbe: { httpGet: { path: "/readyz", port: "metrics" }, periodSeconds: 5, timeoutSeconds: 2 },
      livenessProbe: { httpGet: { path: "/livez", port: "metrics" }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
    } satisfies Partial<IContainer>);
  }
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: metadataOf(values, nameOf(component), component),
    spec: {
      // The API's count is the autoscaler's: an apply that named one would undo its scaling.
      ...(component === "api" ? {} : { replicas: values[component].replicas }),
      selector: { matchLabels: selectorOf(component) },
      ...(component === "worker" ? {} : { strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } }),
      template: {
        metadata: { labels: labelsOf(values, component), annotations: scrapeAnnotations(component) },
        spec: podSpec(values, component, container, spread(component)),
      },
    },
  };
}

function service(values: Values, component: "api" | "console" | "redis", port: number): IService {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: metadataOf(values, nameOf(component), component),
    spec: { selector: selectorOf(component), ports: [{ name: component === "redis" ? "redis" : "http", port, targetPort: port }] },
  };
}

/**
 * A headless Service per process for its metrics port alone, for a ServiceMonitor (or any scraper that discovers
 * endpoints): no Ingress or load balancer names it, and the public Services never carry the port.
 */
function metricsService(values: Values, component: keyof typeof METRICS): IService {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: metadataOf(values, `${nameOf(component)}-metrics`, component),
    spec: { clusterIP: "None", selector: selectorOf(component), ports: [{ name: "metrics", port: METRICS[component].port, targetPort: "metrics" }] },
  };
}

function disruptionBudget(values: Values, component: "api" | "worker" | "console"): IPodDisruptionBudget {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    // One pod at a time: a drain never takes every replica at once, and never blocks with one replica.
    metadata: metadataOf(values, nameOf(component), component),
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorOf(component) } },
  };
}

function autoscaler(values: Values): IHorizontalPodAutoscaler {
  const { minReplicas, maxReplicas, cpuUtilization } = values.api.autoscaling;
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: metadataOf(values, nameOf("api"), "api"),
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: nameOf("api") },
      minReplicas,
      maxReplicas,
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: cpuUtilization } } }],
    },
  };
}

function ingress(values: Values): IIngress {
  const consoleHost = new URL(values.consoleUrl).hostname;
  const apiHost = new URL(values.apiUrl).hostname;
  const rule = (host: string, component: "api" | "console", port: number): IIngressRule => ({
    host,
    http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: nameOf(component), port: { number: port } } } }] },
  });
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: metadataOf(values, "gatehouse", "shared", Object.keys(values.ingress.annotations).length > 0 ? { annotations: values.ingress.annotations } : {}),
    spec: {
      ...(values.ingress.className ? { ingressClassName: values.ingress.className } : {}),
      ...(values.ingress.tlsSecret ? { tls: [{ hosts: [consoleHost, apiHost], secretName: values.ingress.tlsSecret }] } : {}),
      rules: [rule(consoleHost, "console", CONSOLE_PORT), rule(apiHost, "api", API_PORT)],
    },
  };
}

const bothProtocols = (port: number): INetworkPolicyPort[] => [
  { protocol: "TCP", port },
  { protocol: "UDP", port },
];
const tcp = (ports: readonly number[]): INetworkPolicyPort[] => ports.map((port) => ({ protocol: "TCP", port }));
const toDependency = (egress: Egress): INetworkPolicyEgressRule[] => (egress.to.length > 0 ? [{ to: egress.to, ports: tcp(egress.ports) }] : []);

/** An IPv6 address of 128 bits, written as the API server writes it (RFC 5952: lower case, the longest run of zero groups as `::`). */
function ipv6Text(bits: bigint): string {
  const groups = Array.from({ length: 8 }, (_, index) => Number((bits >> BigInt(112 - 16 * index)) & 0xffffn));
  let best = { at: -1, length: 1 };
  for (let at = 0; at < 8; at += 1) {
    let length = 0;
    while (at + length < 8 && groups[at + length] === 0) length += 1;
    if (length > best.length) best = { at, length };
  }
  const hex = groups.map((group) => group.toString(16));
  if (best.at < 0) return hex.join(":");
  return `${hex.slice(0, best.at).join(":")}::${hex.slice(best.at + best.length).join(":")}`;
}

/** The NAT64 well-known prefix (RFC 6052), 64:ff9b::/96: an IPv6-only pod reaches IPv4 address a.b.c.d at 64:ff9b::a.b.c.d. */
const NAT64 = 0x0064ff9bn << 96n;

/** An IPv4 range as an IPv6-only pod reaches it through NAT64: `10.0.0.0/8` → `64:ff9b::a00:0/104`. */
export function nat64Range(range: string): string {
  const [address = "", prefix = "32"] = range.split("/");
  const v4 = addressBits(address);
  if (v4?.width !== 32) throw new Error(`${range} is not an IPv4 range`);
  return `${ipv6Text(NAT64 | v4.bits)}/${96 + Number(prefix)}`;
}

/**
 * Public addresses only: the `except` ranges (private, link-local, the cloud's metadata address, loopback,
 * reserved) stay closed, each IPv4 one also at its NAT64 address, so an IPv6-only cluster's translator is no way
 * around them (as the SSRF guard reads 64:ff9b::/96: packages/core's refusedAddress).
 */
function internet(values: Values): INetworkPolicyEgressRule[] {
  const { ports, except } = values.networkPolicy.internet;
  if (ports.length === 0) return [];
  const v4 = except.filter((range) => !range.includes(":"));
  const v6 = [...except.filter((range) => range.includes(":")), ...v4.map(nat64Range)];
  const to: INetworkPolicyPeer[] = [
    { ipBlock: { cidr: "0.0.0.0/0", ...(v4.length > 0 ? { except: v4 } : {}) } },
    { ipBlock: { cidr: "::/0", ...(v6.length > 0 ? { except: v6 } : {}) } },
  ];
  return [{ to, ports: tcp(ports) }];
}

function networkPolicy(values: Values, component: Component, rules: Pick<NonNullable<INetworkPolicy["spec"]>, "ingress" | "egress">): INetworkPolicy {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: metadataOf(values, nameOf(component), component),
    // Both directions listed: what the rules do not allow is refused, an empty list refuses everything.
    spec: { podSelector: { matchLabels: selectorOf(component) }, policyTypes: ["Ingress", "Egress"], ingress: rules.ingress ?? [], egress: rules.egress ?? [] },
  };
}

/**
 * What the API, the worker and the console may reach: DNS, PostgreSQL, Redis, and mail, Slack, webhooks and the
 * sign-on provider on the internet; the API and the worker also the telemetry collector (the console exports none).
 */
function appEgress(values: Values, component: "api" | "worker" | "console"): INetworkPolicyEgressRule[] {
  const redis: INetworkPolicyEgressRule[] = values.redis.url ? [] : [{ to: [{ podSelector: { matchLabels: selectorOf("redis") } }], ports: tcp([REDIS_PORT]) }];
  return [
    { to: values.networkPolicy.dns, ports: bothProtocols(53) },
    ...toDependency(values.database.egress),
    ...redis,
    ...toDependency(values.redis.egress),
    ...(component === "console" ? [] : toDependency(values.telemetry.egress)),
    ...internet(values),
  ];
}

function redisStatefulSet(values: Values): IStatefulSet {
  const { bundled } = values.redis;
  const probe = (periodSeconds: number): IProbe => ({ exec: { command: ["redis-cli", "ping"] }, periodSeconds, timeoutSeconds: 3 });
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: metadataOf(values, nameOf("redis"), "redis"),
    spec: {
      serviceName: nameOf("redis"),
      replicas: 1,
      selector: { matchLabels: selectorOf("redis") },
      template: {
        metadata: { labels: labelsOf(values, "redis") },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, fsGroup: REDIS_UID, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "redis",
              image: bundled.image,
              // Signals between instances and the rate counters; the append-only file keeps the counters across a restart.
              command: ["sh", "-c", 'exec redis-server --appendonly yes --requirepass "$REDIS_PASSWORD"'],
              // redis-cli (the probes) reads the password from REDISCLI_AUTH.
              env: [secret("REDIS_PASSWORD", bundled.password), secret("REDISCLI_AUTH", bundled.password)],
              ports: [{ name: "redis", containerPort: REDIS_PORT }],
              readinessProbe: probe(5),
              livenessProbe: { ...probe(20), failureThreshold: 3 },
              resources: bundled.resources,
              securityContext: restricted(REDIS_UID, true),
              volumeMounts: [{ name: "data", mountPath: "/data" }],
            },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: "data", labels: labelsOf(values, "redis") },
          spec: {
            accessModes: ["ReadWriteOnce"],
            ...(bundled.storageClass ? { storageClassName: bundled.storageClass } : {}),
            resources: { requests: { storage: bundled.storage } },
          },
        },
      ],
    },
  };
}

function serviceAccount(values: Values, name: string, component: Component | "shared"): IServiceAccount {
  return { apiVersion: "v1", kind: "ServiceAccount", metadata: metadataOf(values, name, component), automountServiceAccountToken: false };
}

function migrationJob(values: Values): IJob {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: metadataOf(values, migrationJobName(values), "migrate"),
    spec: {
      // The runner takes an advisory lock and applies each migration in one transaction, so a retry starts clean.
      backoffLimit: 2,
      activeDeadlineSeconds: values.migrate.activeDeadlineSeconds,
      ttlSecondsAfterFinished: 7 * 24 * 3600,
      template: {
        metadata: { labels: labelsOf(values, "migrate") },
        spec: podSpec(values, "migrate", nodeContainer(values, "migrate"), { restartPolicy: "Never" }),
      },
    },
  };
}

/** Each object under its own id in the chart; cdk8s keeps the names given, so the ids are the kinds and names. */
function add(chart: Construct, object: { apiVersion: string; kind: string; metadata?: { name?: string } }): void {
  new ApiObject(chart, `${object.kind}-${object.metadata?.name ?? ""}`, object as ConstructorParameters<typeof ApiObject>[2]);
}

export interface Charts {
  migrate: Chart;
  gatehouse: Chart;
}

/** The two charts of one installation, in one cdk8s app. */
export function gatehouseCharts(values: Values): Charts {
  const app = new App();
  const migrate = new Chart(app, "migrate", { disableResourceNameHashes: true });
  add(migrate, serviceAccount(values, nameOf("migrate"), "migrate"));
  add(migrate, networkPolicy(values, "migrate", { egress: [{ to: values.networkPolicy.dns, ports: bothProtocols(53) }, ...toDependency(values.database.egress)] }));
  add(migrate, migrationJob(values));

  const gatehouse = new Chart(app, "gatehouse", { disableResourceNameHashes: true });
  add(gatehouse, serviceAccount(values, "gatehouse", "shared"));
  for (const component of ["api", "worker", "console"] as const) add(gatehouse, deployment(values, component));
  add(gatehouse, autoscaler(values));
  for (const component of ["api", "worker", "console"] as const) add(gatehouse, disruptionBudget(values, component));
  add(gatehouse, service(values, "api", API_PORT));
  add(gatehouse, service(values, "console", CONSOLE_PORT));
  for (const component of ["api", "worker", "console"] as const) add(gatehouse, metricsService(values, component));
  add(gatehouse, ingress(values));
  // Any Gatehouse pod without a policy of its own reaches nothing and is reached by nothing.
  const defaultDeny: INetworkPolicy = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: metadataOf(values, "gatehouse-default-deny", "shared"),
    spec: { podSelector: { matchLabels: { "app.kubernetes.io/part-of": "gatehouse" } }, policyTypes: ["Ingress", "Egress"] },
  };
  add(gatehouse, defaultDeny);
  const fromIngress = (port: number) => [{ from: values.networkPolicy.ingressController, ports: tcp([port]) }];
  // The scraper reaches each process's metrics port and no other; no peers, no rule (nobody does).
  const fromScraper = (component: keyof typeof METRICS) =>
    values.networkPolicy.scraper.length > 0 ? [{ from: values.networkPolicy.scraper, ports: tcp([METRICS[component].port]) }] : [];
  add(gatehouse, networkPolicy(values, "api", { ingress: [...fromIngress(API_PORT), ...fromScraper("api")], egress: appEgress(values, "api") }));
  add(gatehouse, networkPolicy(values, "console", { ingress: [...fromIngress(CONSOLE_PORT), ...fromScraper("console")], egress: appEgress(values, "console") }));
  // The worker serves only its metrics and health: the scraper reaches that port; the kubelet's probes are not governed by NetworkPolicy.
  add(gatehouse, networkPolicy(values, "worker", { ingress: fromScraper("worker"), egress: appEgress(values, "worker") }));
  if (!values.redis.url) {
    add(gatehouse, redisStatefulSet(values));
    add(gatehouse, service(values, "redis", REDIS_PORT));
    const clients = (["api", "worker", "console"] as const).map((component) => ({ podSelector: { matchLabels: selectorOf(component) } }));
    add(gatehouse, networkPolicy(values, "redis", { ingress: [{ from: clients, ports: tcp([REDIS_PORT]) }] }));
  }
  return { migrate, gatehouse };
}
