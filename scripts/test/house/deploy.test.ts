// The Kubernetes manifests (deploy/, docs/kubernetes.md): every variant renders and every object validates
// against Kubernetes' schemas; the rendered folders in the repository are current; each Deployment has its
// probes, resources, disruption budget and network policy; secrets are only ever referenced; each
// container's environment passes its own process's checks; and each setting of docs/kubernetes.md's table
// reaches exactly the containers (or objects) the table names.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { apiEnv } from "../../../apps/api/src/env.ts";
import { consoleServerEnv, parseEnv as parseConsoleEnv } from "../../../apps/web/src/env.ts";
import { workerEnv } from "../../../apps/worker/src/env.ts";
import { refusedAddress } from "../../../packages/core/src/webhooks/webhooks.ts";
import { METRICS, METRICS_PATH, migrationJobName, nat64Range } from "../../../deploy/src/chart.ts";
import { renderFiles, renderObjects, valuesFrom, VARIANTS, type Rendered } from "../../../deploy/src/render.ts";
import { problemsOf, type ManifestObject } from "../../../deploy/src/validate.ts";
import { addressBits, readJson, resolveValues, settingPaths, type Values } from "../../../deploy/src/values.ts";
import { deploymentProblems, parseDbEnv } from "../../../packages/db/src/infra/env.ts";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  image: string;
  env?: EnvVar[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  args?: string[];
  [field: string]: unknown;
}
interface Peer {
  podSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: { cidr: string; except?: string[] };
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: unknown[];
}
type Policy = ManifestObject & { spec: { podSelector: { matchLabels?: Record<string, string> }; ingress?: Rule[]; egress?: Rule[] } };
type Workload = ManifestObject & { spec: { template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[] } } } };

const all = (rendered: Rendered): ManifestObject[] => [...rendered.migrate, ...rendered.gatehouse];
const ofKind = (objects: readonly ManifestObject[], kind: string) => objects.filter((object) => object.kind === kind);
const named = (objects: readonly ManifestObject[], kind: string, name: string) => objects.find((object) => object.kind === kind && object.metadata?.name === name);
const workloads = (objects: readonly ManifestObject[]) => objects.filter((object): object is Workload => ["Deployment", "StatefulSet", "Job"].includes(object.kind));
const containers = (objects: readonly ManifestObject[]) => workloads(objects).flatMap((workload) => workload.spec.template.spec.containers);
const containerNamed = (objects: readonly ManifestObject[], name: string) => containers(objects).find((container) => container.name === name);

const variants = Object.entries(VARIANTS).map(([variant, layers]) => ({ variant, rendered: renderObjects(valuesFrom(layers)) }));

/** Does a selector (matchLabels) pick pods with these labels? */
const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  selector !== undefined && Object.entries(selector).every(([key, value]) => labels[key] === value);

describe("the rendered manifests", () => {
  it.each(variants)("$variant: every object validates against the Kubernetes schemas", ({ rendered }) => {
    expect(all(rendered).length).toBeGreaterThan(10);
    expect(all(rendered).flatMap(problemsOf)).toEqual([]);
  });

  it.each(Object.entries(VARIANTS))("deploy/rendered/%s is what the charts render (npm run deploy:render)", (variant, layers) => {
    const files = renderFiles(renderObjects(valuesFrom(layers)), ["deploy/values/default.json", ...layers].join(" and "));
    for (const [file, text] of Object.entries(files)) expect(readFileSync(join(ROOT, "deploy/rendered", variant, file), "utf8"), file).toBe(text);
  });

  it("the validation refuses a broken object, each way it can be broken", () => {
    const { rendered } = variants[0]!;
    const api = named(rendered.gatehouse, "Deployment", "gatehouse-api")!;
    // Each: what is broken, in which object, the field's path and its new value (undefined: removed).
    const breakages: Array<[string, ManifestObject, string, unknown]> = [
      ["a string where a count goes", api, "spec.replicas", "two"],
      ["a container without a name", api, "spec.template.spec.containers.0.name", undefined],
      ["a quantity that is not one", api, "spec.template.spec.containers.0.resources.requests.cpu", "lots"],
      ["a name with capitals", api, "metadata.name", "Gatehouse_API"],
      ["a label value too long", api, "metadata.labels", { "app.kubernetes.io/version": "x".repeat(64) }],
      ["a Service name starting with a digit", named(rendered.gatehouse, "Service", "gatehouse-api")!, "metadata.name", "4-api"],
      ["an HPA without its target", named(rendered.gatehouse, "HorizontalPodAutoscaler", "gatehouse-api")!, "spec.scaleTargetRef", undefined],
      ["a NetworkPolicy's ports that are not a list", named(rendered.gatehouse, "NetworkPolicy", "gatehouse-api")!, "spec.ingress.0.ports", 4000],
      ["a Job whose pod has no containers", ofKind(rendered.migrate, "Job")[0]!, "spec.template.spec.containers", undefined],
      ["an unknown kind", api, "kind", "Deploymnet"],
    ];
    for (const [what, object, path, value] of breakages) {
      const broken = structuredClone(object) as Record<string, unknown>;
      const keys = path.split(".");
      const parent = keys.slice(0, -1).reduce<Record<string, unknown>>((inner, key) => inner[key] as Record<string, unknown>, broken);
      if (value === undefined) delete parent[keys.at(-1)!];
      else parent[keys.at(-1)!] = value;
      expect(problemsOf(broken as ManifestObject), what).not.toEqual([]);
    }
  });

  it("refuses values that are not settings, naming them (a misspelt key never passes quietly)", () => {
    expect(() => resolveValues([{ databse: {} }])).toThrow(/Unrecognized key.*databse/s);
    expect(() => resolveValues([{ consoleUrl: "https://gatehouse.example.com/path" }])).toThrow(/consoleUrl: must be an origin only/);
    expect(() => resolveValues([{ api: { autoscaling: { minReplicas: 5, maxReplicas: 2 } } }])).toThrow(/api.autoscaling.maxReplicas: must be at least minReplicas/);
    expect(() => resolveValues([{ images: { tag: "-bad" } }])).toThrow(/images.tag/);
  });
});

describe.each(variants)("$variant", ({ rendered }) => {
  const objects = all(rendered);
  const deployments = ofKind(rendered.gatehouse, "Deployment") as Workload[];
  const policies = ofKind(objects, "NetworkPolicy") as Policy[];

  it("runs the API, the worker and the console as Deployments, each with probes, resources and a disruption budget", () => {
    expect(deployments.map((d) => d.metadata?.name).sort()).toEqual(["gatehouse-api", "gatehouse-console", "gatehouse-worker"]);
    for (const deployment of deployments) {
      const labels = deployment.spec.template.metadata.labels;
      for (const container of deployment.spec.template.spec.containers) {
        expect(container.readinessProbe, `${container.name} readiness`).toBeDefined();
        expect(container.livenessProbe, `${container.name} liveness`).toBeDefined();
        expect(Object.keys(container.resources?.requests ?? {}).sort(), `${container.name} requests`).toEqual(["cpu", "memory"]);
        expect(container.resources?.limits?.memory, `${container.name} memory limit`).toBeDefined();
      }
      const budgets = (ofKind(objects, "PodDisruptionBudget") as Array<ManifestObject & { spec: { selector: { matchLabels: Record<string, string> } } }>).filter((pdb) =>
        selects(pdb.spec.selector.matchLabels, labels),
      );
      expect(budgets, `${deployment.metadata?.name}'s PodDisruptionBudget`).toHaveLength(1);
    }
  });

  it("scales the API with a HorizontalPodAutoscaler, and leaves its replica count to it", () => {
    expect(at(named(objects, "HorizontalPodAutoscaler", "gatehouse-api"), "spec.scaleTargetRef")).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "gatehouse-api" });
    expect(at(named(objects, "Deployment", "gatehouse-api"), "spec.replicas")).toBeUndefined();
  });

  it("migrates in the release's Job only: no Deployment runs the migrations", () => {
    const [job] = ofKind(rendered.migrate, "Job") as Workload[];
    expect(job?.metadata?.name).toBe(migrationJobName(rendered.values));
    expect(job?.spec.template.spec.containers[0]?.args).toEqual(["npm", "run", "--silent", "db:migrate"]);
    expect(ofKind(rendered.gatehouse, "Job")).toEqual([]);
    for (const container of containers(rendered.gatehouse)) expect(container.args?.join(" ") ?? "", container.name).not.toMatch(/migrate/);
  });

  it("every pod is chosen by a NetworkPolicy of its own, under a default deny for every Gatehouse pod", () => {
    const deny = named(objects, "NetworkPolicy", "gatehouse-default-deny") as Policy;
    expect(deny.spec).toEqual({ podSelector: { matchLabels: { "app.kubernetes.io/part-of": "gatehouse" } }, policyTypes: ["Ingress", "Egress"] });
    for (const workload of workloads(objects)) {
      const labels = workload.spec.template.metadata.labels;
      expect(selects(deny.spec.podSelector.matchLabels, labels)).toBe(true);
      const own = policies.filter((policy) => policy !== deny && selects(policy.spec.podSelector.matchLabels, labels));
      expect(own, `${workload.metadata?.name}'s NetworkPolicy`).toHaveLength(1);
    }
  });

  it("lets only what must talk talk: the ingress controller to the API and the console, the scraper to the metrics ports, the Gatehouse processes to Redis, nobody to the Job", () => {
    const policy = (name: string) => policies.find((p) => p.metadata?.name === name)!;
    const controller = rendered.values.networkPolicy.ingressController;
    const scraper = rendered.values.networkPolicy.scraper;
    expect(policy("gatehouse-api").spec.ingress).toEqual([
      { from: controller, ports: [{ protocol: "TCP", port: 4000 }] },
      { from: scraper, ports: [{ protocol: "TCP", port: 9464 }] },
    ]);
    expect(policy("gatehouse-console").spec.ingress).toEqual([
      { from: controller, ports: [{ protocol: "TCP", port: 3000 }] },
      { from: scraper, ports: [{ protocol: "TCP", port: 9466 }] },
    ]);
    expect(policy("gatehouse-worker").spec.ingress).toEqual([{ from: scraper, ports: [{ protocol: "TCP", port: 9465 }] }]);
    expect(policy("gatehouse-migrate").spec.ingress).toEqual([]);
    // The Job reaches DNS and PostgreSQL, nothing else.
    expect(policy("gatehouse-migrate").spec.egress).toEqual([
      {
        to: rendered.values.networkPolicy.dns,
        ports: [
          { protocol: "TCP", port: 53 },
          { protocol: "UDP", port: 53 },
        ],
      },
      { to: rendered.values.database.egress.to, ports: rendered.values.database.egress.ports.map((port) => ({ protocol: "TCP", port })) },
    ]);
    // The internet, not the private ranges nor the cloud's metadata address.
    const internet = policy("gatehouse-worker").spec.egress!.find((rule) => rule.to?.some((peer) => peer.ipBlock?.cidr === "0.0.0.0/0"));
    expect(internet?.to?.[0]?.ipBlock?.except).toEqual(expect.arrayContaining(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"]));
    if (rendered.values.redis.url === null) {
      expect(policy("gatehouse-redis").spec.egress).toEqual([]);
      expect(policy("gatehouse-redis").spec.ingress![0]!.from!.map((peer) => peer.podSelector?.matchLabels?.["app.kubernetes.io/component"])).toEqual(["api", "worker", "console"]);
    } else {
      expect(named(objects, "StatefulSet", "gatehouse-redis")).toBeUndefined();
    }
  });

  it("exposes each process's metrics where it serves them: a port named metrics, the scrape annotations, a Service of its own, reached by the scraper only", () => {
    for (const deployment of deployments) {
      const [container] = deployment.spec.template.spec.containers;
      const component = container!.name as keyof typeof METRICS;
      const ports = container!.ports as Array<{ name: string; containerPort: number }>;
      const metricsPort = ports.find((port) => port.name === "metrics")?.containerPort;
      const annotations = (deployment.spec.template.metadata as { annotations?: Record<string, string> }).annotations ?? {};
      // The annotations name the port the process listens on: the one its own env.ts reads from the container's environment.
      const env = environmentOf(container!);
      const listens = { api: () => apiEnv(env).metrics, worker: () => workerEnv(env).listener, console: () => consoleServerEnv(env).metrics }[component]();
      expect(annotations, component).toEqual({ "prometheus.io/scrape": "true", "prometheus.io/port": String(listens.port), "prometheus.io/path": METRICS_PATH });
      expect(metricsPort, component).toBe(listens.port);
      expect(env[METRICS[component].variable], component).toBe(String(listens.port));
      // On the pod's address, not loopback, so a scraper in another pod reaches it.
      expect(listens.host, component).toBe("0.0.0.0");
      // A headless Service of its own carries the port; the public Services and the Ingress never do.
      const service = named(objects, "Service", `gatehouse-${component}-metrics`) as ManifestObject & {
        spec: { clusterIP: string; selector: Record<string, string>; ports: unknown[] };
      };
      expect(service.spec.clusterIP, component).toBe("None");
      expect(selects(service.spec.selector, deployment.spec.template.metadata.labels), component).toBe(true);
      expect(service.spec.ports, component).toEqual([{ name: "metrics", port: listens.port, targetPort: "metrics" }]);
      for (const publicService of ofKind(objects, "Service").filter((object) => !object.metadata?.name?.endsWith("-metrics"))) {
        expect(JSON.stringify(publicService.spec), publicService.metadata?.name).not.toContain(String(listens.port));
      }
      expect(JSON.stringify(named(objects, "Ingress", "gatehouse"))).not.toContain("-metrics");
      // The scraper's rule opens this port and no other; no other rule opens it.
      const own = policies.find((policy) => policy.metadata?.name === `gatehouse-${component}`)!;
      const opening = (own.spec.ingress ?? []).filter((rule) => JSON.stringify(rule.ports).includes(`"port":${listens.port}`));
      expect(opening, component).toEqual([{ from: rendered.values.networkPolicy.scraper, ports: [{ protocol: "TCP", port: listens.port }] }]);
    }
  });

  it("never holds a secret: no Secret object, and every secret a process reads comes from a secretKeyRef", () => {
    expect(ofKind(objects, "Secret")).toEqual([]);
    const SECRET = new Set([
      "DATABASE_URL",
      "DATABASE_REPLICA_URL",
      "REDIS_PASSWORD",
      "REDISCLI_AUTH",
      "GATEHOUSE_MASTER_KEY",
      "AUTH_SECRET",
      "SMTP_URL",
      "AUTH_OIDC_CLIENT_SECRET",
      "OTEL_EXPORTER_OTLP_HEADERS",
      "METRICS_TOKEN",
    ]);
    for (const container of containers(objects)) {
      for (const variable of container.env ?? []) {
        if (SECRET.has(variable.name)) expect(variable.valueFrom?.secretKeyRef, `${container.name} ${variable.name}`).toBeDefined();
        // REDIS_URL is a reference too, or composed from the referenced password.
        if (variable.name === "REDIS_URL") expect(variable.valueFrom?.secretKeyRef ?? variable.value?.match(/^redis:\/\/:\$\(REDIS_PASSWORD\)@[^@]+$/)).toBeTruthy();
      }
    }
  });

  it("gives each process an environment its own checks accept (NODE_ENV=production: they refuse to start otherwise)", () => {
    const env = (name: string) => environmentOf(containerNamed(objects, name)!);
    for (const name of ["api", "worker", "console"]) {
      const dbEnv = parseDbEnv(env(name));
      expect(deploymentProblems(dbEnv), name).toEqual([]);
      expect(dbEnv.GATEHOUSE_MASTER_KEY, `${name} has the master key`).toBeDefined();
      expect(dbEnv.REDIS_URL, `${name} reaches Redis`).toMatch(/^rediss?:\/\//);
    }
    expect(workerEnv(env("worker")).listener).toMatchObject({ port: 9465, host: "0.0.0.0" });
    expect(parseConsoleEnv(env("console")).AUTH_URL).toBe(rendered.values.consoleUrl);
    expect(consoleServerEnv(env("console")).WEB_HOST).toBe("0.0.0.0");
    expect(parseDbEnv(env("migrate")).DATABASE_URL).toMatch(/^postgresql:\/\//);
  });
});

/** Whether an egress rule's ipBlocks let `address` through: some block of its family holds it and none of that block's exceptions does. */
function lets(rule: Rule, address: string): boolean {
  const target = addressBits(address)!;
  const within = (range: string) => {
    const [base = "", prefix = ""] = range.split("/");
    const block = addressBits(base)!;
    const host = BigInt(block.width - Number(prefix));
    return block.width === target.width && target.bits >> host === block.bits >> host;
  };
  return (rule.to ?? []).some((peer) => peer.ipBlock !== undefined && within(peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some(within));
}

/** One address of each kind the SSRF guard refuses (packages/core's refusedAddress), IPv4 and IPv6, with the forms that reach IPv4. */
const REFUSED = [
  "0.1.2.3",
  "10.1.2.3",
  "100.64.0.1",
  "127.0.0.1",
  "169.254.169.254",
  "172.20.0.1",
  "192.0.0.8",
  "192.0.2.1",
  "192.168.1.1",
  "198.18.0.1",
  "198.51.100.7",
  "203.0.113.9",
  "224.0.0.1",
  "255.255.255.255",
  "::",
  "::1",
  "::10.0.0.1",
  "::ffff:10.0.0.1",
  "::ffff:169.254.169.254",
  "::ffff:127.0.0.1",
  "64:ff9b::10.0.0.1",
  "64:ff9b::169.254.169.254",
  "64:ff9b::127.0.0.1",
  "64:ff9b::192.168.0.1",
  "2002:a9fe:a9fe::1",
  "2002:c0a8:101::1",
  "fc00::1",
  "fd00:ec2::254",
  "fe80::1",
  "fec0::1",
  "ff02::1",
  "2001:db8::1",
  "100::1",
];
/** Public addresses the webhooks, mail and sign-on need, over IPv4, IPv6 and NAT64. */
const PUBLIC = ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e", "64:ff9b::93.184.216.34", "64:ff9b::8.8.8.8"];

describe.each(variants)("$variant is safe as shipped", ({ rendered }) => {
  const objects = all(rendered);
  const env = (name: string) => environmentOf(containerNamed(objects, name)!);

  it("every container runs on a read-only root and writes only to volumes of its pod's own (the console's Next.js caches included)", () => {
    for (const workload of workloads(objects)) {
      const spec = workload.spec.template.spec as { containers: Container[]; volumes?: Array<{ name: string; emptyDir?: object }> };
      for (const container of spec.containers) {
        expect((container.securityContext as { readOnlyRootFilesystem?: boolean } | undefined)?.readOnlyRootFilesystem, container.name).toBe(true);
        const mounts = (container.volumeMounts as Array<{ name: string; mountPath: string }> | undefined) ?? [];
        for (const mount of mounts) {
          const own = spec.volumes?.find((volume) => volume.name === mount.name);
          const claimed = (workload.spec as { volumeClaimTemplates?: Array<{ metadata: { name: string } }> }).volumeClaimTemplates?.some(
            (claim) => claim.metadata.name === mount.name,
          );
          expect(own?.emptyDir !== undefined || claimed === true, `${container.name} ${mount.mountPath}`).toBe(true);
        }
      }
    }
    const consoleMounts = (containerNamed(objects, "console")!.volumeMounts as Array<{ mountPath: string }>).map((mount) => mount.mountPath);
    expect(consoleMounts).toEqual(expect.arrayContaining(["/tmp", "/home/node", "/app/apps/web/.next/cache", "/app/apps/web/.next/server/route-cache"]));
  });

  it("asks every scrape for a bearer token by default: each process reads it from one Secret, which the scraper is given too", () => {
    const token = rendered.values.metrics.token;
    expect(token).not.toBeNull();
    for (const name of ["api", "worker", "console"]) {
      const variable = containerNamed(objects, name)!.env?.find((v) => v.name === "METRICS_TOKEN");
      expect(variable?.valueFrom?.secretKeyRef, name).toEqual(token);
    }
    expect(apiEnv(env("api")).metrics.token).toMatch(/^[0-9a-f]{64}$/);
    expect(workerEnv(env("worker")).listener.token).toMatch(/^[0-9a-f]{64}$/);
    expect(consoleServerEnv(env("console")).metrics.token).toMatch(/^[0-9a-f]{64}$/);
  });

  it("believes no X-Forwarded-For by default: no proxy trusted, not the pod network, not loopback", () => {
    for (const trusted of [apiEnv(env("api")).trustedProxies, consoleServerEnv(env("console")).GATEHOUSE_TRUSTED_PROXIES]) {
      expect(trusted.entries).toEqual([]);
      for (const address of ["10.42.0.7", "10.244.1.5", "127.0.0.1", "::1"]) expect(trusted.has(address), address).toBe(false);
    }
  });

  it.each(["api", "worker", "console"])("%s: the internet rule closes every address the SSRF guard refuses, IPv6 and NAT64 forms included, and opens public ones", (name) => {
    const policy = objects.find((object) => object.kind === "NetworkPolicy" && object.metadata?.name === `gatehouse-${name}`) as Policy;
    const rules = policy.spec.egress ?? [];
    const internet = rules.filter((rule) => rule.to?.some((peer) => peer.ipBlock?.cidr === "0.0.0.0/0" || peer.ipBlock?.cidr === "::/0"));
    expect(internet).toHaveLength(1);
    for (const address of REFUSED) {
      expect(refusedAddress(address), `the guard refuses ${address}`).not.toBeNull();
      expect(
        rules.some((rule) => lets(rule, address)),
        address,
      ).toBe(false);
    }
    for (const address of PUBLIC) expect(lets(internet[0]!, address), address).toBe(true);
  });
});

describe("trusted proxies are a list of the proxies' own addresses", () => {
  it("reach the API and the console as that list, and only those addresses are believed", () => {
    const objects = all(renderObjects(resolveValues([{ trustedProxies: ["10.42.3.17", "fd00:42::/120"] }])));
    for (const name of ["api", "console"]) expect(containerNamed(objects, name)!.env?.find((v) => v.name === "GATEHOUSE_TRUSTED_PROXIES")?.value).toBe("10.42.3.17,fd00:42::/120");
    const trusted = apiEnv(environmentOf(containerNamed(objects, "api")!)).trustedProxies;
    expect(["10.42.3.17", "fd00:42::5"].map((address) => trusted.has(address))).toEqual([true, true]);
    expect(["10.42.3.18", "10.42.0.1", "127.0.0.1"].map((address) => trusted.has(address))).toEqual([false, false, false]);
  });

  it.each(["traefik", "10.42.0.0/16/1", "10.42.0.1/16", "10.42.0.0/33", "10.42.0.0/16,10.43.0.0/16"])("refuses %s, naming the setting", (entry) => {
    expect(() => resolveValues([{ trustedProxies: [entry] }])).toThrow(/trustedProxies\.0: must be an address or a CIDR range/);
  });
});

describe("the NAT64 form of an IPv4 range", () => {
  it.each([
    ["10.0.0.0/8", "64:ff9b::a00:0/104"],
    ["169.254.0.0/16", "64:ff9b::a9fe:0/112"],
    ["0.0.0.0/8", "64:ff9b::/104"],
    ["192.0.2.0/24", "64:ff9b::c000:200/120"],
    ["224.0.0.0/3", "64:ff9b::e000:0/99"],
  ])("%s is %s", (range, nat64) => {
    expect(nat64Range(range)).toBe(nat64);
  });
});

describe("the ServiceMonitor example (deploy/observability/service-monitor.yaml)", () => {
  it("scrapes the three -metrics Services' port with the token the processes ask for, from the Secret the default names", () => {
    const monitor = parse(readFileSync(join(ROOT, "deploy/observability/service-monitor.yaml"), "utf8")) as {
      kind: string;
      metadata: { namespace: string };
      spec: {
        selector: { matchLabels: Record<string, string>; matchExpressions: Array<{ key: string; operator: string; values: string[] }> };
        endpoints: Array<{ port: string; path: string; authorization: { type: string; credentials: { name: string; key: string } } }>;
      };
    };
    const defaults = resolveValues([]);
    const objects = all(renderObjects(defaults));
    expect(monitor.kind).toBe("ServiceMonitor");
    // A ServiceMonitor reads its Secrets from its own namespace: Gatehouse's.
    expect(monitor.metadata.namespace).toBe(defaults.namespace);
    expect(monitor.spec.endpoints).toEqual([{ port: "metrics", path: METRICS_PATH, authorization: { type: "Bearer", credentials: defaults.metrics.token } }]);
    const picked = ofKind(objects, "Service").filter(
      (service) =>
        selects(monitor.spec.selector.matchLabels, service.metadata?.labels ?? {}) &&
        monitor.spec.selector.matchExpressions.every((expression) => expression.values.includes(service.metadata?.labels?.[expression.key] ?? "")),
    );
    const withMetrics = picked.filter((service) => JSON.stringify(service.spec).includes('"name":"metrics"')).map((service) => service.metadata?.name);
    expect(withMetrics.sort()).toEqual(["gatehouse-api-metrics", "gatehouse-console-metrics", "gatehouse-worker-metrics"]);
  });
});

/**
 * A container's environment as its process sees it: each Secret reference replaced by a value of the kind
 * the Secret holds, and `$(NAME)` expanded from the variables before it, as the kubelet does.
 */
function environmentOf(container: Container): Record<string, string> {
  const sample = (key: string): string => {
    if (/master/.test(key)) return randomBytes(32).toString("base64");
    if (/token/.test(key)) return randomBytes(32).toString("hex");
    if (/auth/.test(key)) return randomBytes(32).toString("base64url");
    if (/smtp/.test(key)) return "smtp://gatehouse:secret@mail.example.com:587";
    if (/redis/.test(key) && !/password/.test(key)) return "rediss://:secret@redis.example.com:6380";
    if (/password/.test(key)) return randomBytes(12).toString("hex");
    return "postgresql://gatehouse:secret@db.example.com:5432/gatehouse";
  };
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    env[variable.name] = ref ? sample(`${ref.name}/${ref.key}`) : (variable.value ?? "").replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name: string) => env[name] ?? match);
  }
  return env;
}

describe("the CloudNativePG example", () => {
  it("makes the database the default settings name: its Secret, its pods' label", () => {
    const cluster = parse(readFileSync(join(ROOT, "deploy/examples/cloudnative-pg.yaml"), "utf8")) as {
      metadata: { name: string; namespace: string };
      spec: { bootstrap: { initdb: { database: string } }; managed: { roles: Array<{ name: string; login: boolean; passwordSecret: { name: string } }> } };
    };
    const defaults = resolveValues([]);
    expect(cluster.metadata.namespace).toBe(defaults.namespace);
    // The operator writes the owner's connection URL to <cluster>-app, key uri; the runtime role logs in with the password of
    // the Secret whose uri every process is given (docs/kubernetes.md, step 3).
    expect(defaults.database.ownerUrl).toEqual({ name: `${cluster.metadata.name}-app`, key: "uri" });
    expect(cluster.spec.managed.roles).toEqual([{ name: "gatehouse_app", ensure: "present", login: true, passwordSecret: { name: defaults.database.url.name } }]);
    expect(defaults.database.egress.to).toContainEqual({ podSelector: { matchLabels: { "cnpg.io/cluster": cluster.metadata.name } } });
  });
});

describe("the migration Job's name", () => {
  it("is one per image tag, and a valid name and label value whatever the tag", () => {
    const of = (tag: string) => migrationJobName(resolveValues([{ images: { tag } }]));
    expect(of("1.4.2")).toBe("gatehouse-migrate-1-4-2");
    expect(of("1.4.3")).not.toBe(of("1.4.2"));
    const long = of(`Release_${"9".repeat(50)}`);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});

// --- The settings table of docs/kubernetes.md ---

type Target =
  | { kind: "env"; variable: string; containers: string[] }
  | { kind: "field"; field: string; containers: string[] }
  | { kind: "object"; objectKind: string; name: string; path: string | null };

interface Row {
  path: string;
  defaultValue: unknown;
  example: unknown;
  targets: Target[];
}

const unquote = (cell: string) => cell.trim().replace(/^`|`$/g, "");

/** The rows of the table under "## Settings": `path` | `default` | `example` | where it reaches | what it is. */
function settingsTable(): Row[] {
  const text = readFileSync(join(ROOT, "docs/kubernetes.md"), "utf8");
  const section = text.split(/^## /m).find((part) => part.startsWith("Settings"));
  if (!section) throw new Error('docs/kubernetes.md has no "## Settings" section');
  return section
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) => {
      const [path = "", defaultCell = "", exampleCell = "", reaches = ""] = line.split(" | ").map((cell) => cell.replace(/^\| /, ""));
      return { path: unquote(path), defaultValue: JSON.parse(unquote(defaultCell)), example: JSON.parse(unquote(exampleCell)), targets: reaches.split("; ").map(targetOf) };
    });
}

function targetOf(text: string): Target {
  const env = /^`([A-Z0-9_]+)` in ([a-z, ]+)$/.exec(text.trim());
  if (env) return { kind: "env", variable: env[1]!, containers: env[2]!.split(", ") };
  const field = /^`([a-zA-Z]+)` of ([a-z, ]+)$/.exec(text.trim());
  if (field) return { kind: "field", field: field[1]!, containers: field[2]!.split(", ") };
  const object = /^([A-Za-z]+) `([a-z0-9.-]+)`(?: at `([\w.]+)`)?$/.exec(text.trim());
  if (object) return { kind: "object", objectKind: object[1]!, name: object[2]!, path: object[3] ?? null };
  throw new Error(`docs/kubernetes.md: cannot read where a setting reaches: "${text}"`);
}

function at(value: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((inner, key) => (inner as Record<string, unknown> | undefined)?.[key], value);
}

function valueAt(values: Values, path: string): unknown {
  return at(values, path);
}

/** Whether `needle` is found in `haystack`: as a subtree, inside a string, each element of a list, or (a URL) by its host. */
function contains(haystack: unknown, needle: unknown): boolean {
  if (isDeepStrictEqual(haystack, needle)) return true;
  if (Array.isArray(needle) && needle.length > 0 && needle.every((element) => contains(haystack, element))) return true;
  if (typeof needle === "object" && needle !== null && !Array.isArray(needle) && Object.values(needle).every((inner) => contains(haystack, inner))) return true;
  if (typeof haystack === "string" && typeof needle === "string") {
    if (needle !== "" && haystack.includes(needle)) return true;
    if (/^https?:\/\//.test(needle) && haystack === new URL(needle).hostname) return true;
    return false;
  }
  if (typeof haystack === "object" && haystack !== null) return Object.values(haystack).some((inner) => contains(inner, needle));
  return false;
}

/** The containers whose variable holds the example: as its value, or as the Secret reference it reads. */
function holding(objects: readonly ManifestObject[], variable: string, example: unknown): string[] {
  return containers(objects)
    .filter((container) =>
      (container.env ?? []).some((v) => v.name === variable && (v.valueFrom?.secretKeyRef ? isDeepStrictEqual(v.valueFrom.secretKeyRef, example) : v.value === String(example))),
    )
    .map((container) => container.name)
    .sort();
}

describe("docs/kubernetes.md's settings", () => {
  const rows = settingsTable();
  const defaults = resolveValues([]);
  const defaultObjects = all(renderObjects(defaults));

  it("documents every setting there is, once, with its default", () => {
    expect(rows.map((row) => row.path).sort()).toEqual(settingPaths().sort());
    for (const row of rows) expect(row.defaultValue, row.path).toEqual(valueAt(defaults, row.path));
    expect(readJson(join(ROOT, "deploy/values/default.json"))).toEqual(JSON.parse(JSON.stringify(defaults)));
  });

  it.each(rows.map((row) => [row.path, row] as const))("%s reaches what the table names, and only that", (path, row) => {
    expect(row.example, "the example differs from the default").not.toEqual(row.defaultValue);
    const layer = path.split(".").reduceRight<unknown>((inner, key) => ({ [key]: inner }), row.example);
    const objects = all(renderObjects(resolveValues([layer])));
    for (const target of row.targets) {
      if (target.kind === "env") {
        expect(holding(objects, target.variable, row.example), `${target.variable}`).toEqual([...target.containers].sort());
      } else if (target.kind === "field") {
        for (const name of target.containers) {
          expect(contains(containerNamed(objects, name)?.[target.field], row.example), `${target.field} of ${name}`).toBe(true);
          expect(contains(containerNamed(defaultObjects, name)?.[target.field], row.example), `${target.field} of ${name} by default`).toBe(false);
        }
      } else {
        const pick = (from: readonly ManifestObject[]) => {
          const object = named(from, target.objectKind, target.name);
          return target.path ? at(object, target.path) : object;
        };
        expect(named(objects, target.objectKind, target.name), `${target.objectKind} ${target.name}`).toBeDefined();
        expect(contains(pick(objects), row.example), `${target.objectKind} ${target.name} ${target.path ?? ""}`).toBe(true);
        expect(contains(pick(defaultObjects), row.example), `${target.objectKind} ${target.name} ${target.path ?? ""} by default`).toBe(false);
      }
    }
  });
});
