// Two database roles as shipped (docs/deploying.md, "Two database roles"; docs/adr/0044-owner-and-runtime-database-roles.md):
// in docker-compose.yml and in the rendered Kubernetes manifests, the owner's URL (DATABASE_OWNER_URL) reaches the
// migrations and the worker (its month drop) and never the API or the console, every process's DATABASE_URL is the
// runtime role's, and the migrations' environment is one `npm run db:migrate` accepts in production, granting that role.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseDocument } from "yaml";
import { describe, expect, it } from "vitest";
import { renderObjects, valuesFrom, VARIANTS } from "../../../deploy/src/render.ts";
import type { ManifestObject } from "../../../deploy/src/validate.ts";
import { migrationTarget, parseDbEnv } from "../../../packages/db/src/infra/env.ts";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

interface ComposeService {
  environment?: Record<string, string>;
  command?: string[];
}

/** docker-compose.yml with its anchors and merge keys resolved, every ${VAR:?…} filled in with VAR's name. */
function composeServices(): Record<string, ComposeService> {
  const text = readFileSync(join(ROOT, "docker-compose.yml"), "utf8").replace(/\$\{([A-Z_]+)[^}]*\}/g, (_match, name: string) => `${name.toLowerCase()}`);
  return (parseDocument(text, { merge: true }).toJS({ maxAliasCount: 100 }) as { services: Record<string, ComposeService> }).services;
}

const userOf = (url: string | undefined) => (url === undefined ? undefined : decodeURIComponent(new URL(url).username));

describe("docker-compose.yml", () => {
  const services = composeServices();

  it("gives the owner's URL to the migrations and the worker only, and the runtime role's to every process", () => {
    const holding = Object.entries(services)
      .filter(([, service]) => service.environment?.DATABASE_OWNER_URL !== undefined)
      .map(([name]) => name)
      .sort();
    expect(holding).toEqual(["migrate", "worker"]);
    for (const name of ["api", "worker", "web"]) expect(userOf(services[name]?.environment?.DATABASE_URL), name).toBe("gatehouse_app");
    expect(userOf(services.migrate?.environment?.DATABASE_OWNER_URL)).toBe("gatehouse");
  });

  it("migrates once, as the owner granting the runtime role, before the API starts; the API itself never migrates", () => {
    const migrate = services.migrate;
    expect(migrate?.command).toEqual(["npm", "run", "--silent", "db:migrate"]);
    const target = migrationTarget(parseDbEnv({ ...migrate?.environment, NODE_ENV: "production" }));
    expect(target).toEqual({ url: migrate?.environment?.DATABASE_OWNER_URL, runtimeUrl: migrate?.environment?.DATABASE_URL });
    expect(services.api?.command).toEqual(["npm", "run", "--silent", "api"]);
  });
});

interface Container {
  name: string;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
}

function containersOf(objects: ManifestObject[]): Container[] {
  return objects.flatMap((object) => {
    const spec = (object as { spec?: { template?: { spec?: { containers?: Container[] } } } }).spec;
    return spec?.template?.spec?.containers ?? [];
  });
}

describe.each(Object.entries(VARIANTS))("the Kubernetes manifests (%s)", (_variant, files) => {
  const rendered = renderObjects(valuesFrom(files.map((file) => join(ROOT, file))));
  const containers = containersOf([...rendered.migrate, ...rendered.gatehouse]);
  const ref = (name: string, variable: string) => containers.find((c) => c.name === name)?.env?.find((v) => v.name === variable)?.valueFrom?.secretKeyRef;

  it("give database.ownerUrl to the migration Job and the worker only, and database.url to every process", () => {
    const holding = containers.filter((c) => c.env?.some((v) => v.name === "DATABASE_OWNER_URL")).map((c) => c.name);
    expect(holding.sort()).toEqual(["migrate", "worker"]);
    for (const name of ["migrate", "worker"]) expect(ref(name, "DATABASE_OWNER_URL"), name).toEqual(rendered.values.database.ownerUrl);
    for (const name of ["api", "worker", "console", "migrate"]) expect(ref(name, "DATABASE_URL"), name).toEqual(rendered.values.database.url);
    expect(rendered.values.database.ownerUrl).not.toEqual(rendered.values.database.url);
  });

  it("run the migrations with an environment `npm run db:migrate` accepts in production, granting the runtime role", () => {
    const env = Object.fromEntries(
      (containers.find((c) => c.name === "migrate")?.env ?? []).map((v) => [
        v.name,
        v.value ?? `postgresql://${v.name === "DATABASE_OWNER_URL" ? "owner" : "runtime"}:pw@db:5432/gatehouse`,
      ]),
    );
    expect(migrationTarget(parseDbEnv(env))).toEqual({ url: env.DATABASE_OWNER_URL, runtimeUrl: env.DATABASE_URL });
  });
});
