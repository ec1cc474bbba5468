import type { DevJson } from "@gatehouse/db";
import { readFile } from "node:fs/promises";

/** $GATEHOUSE_HOME/dev.json, written by `npm run db:seed` (docs/architecture.md, "Main job"). */
export type DevFile = DevJson;

const FIELDS = ["apiUrl", "webUrl", "orgSlug", "agentApiKey", "adminApiKey", "adminEmail", "adminPassword"] as const satisfies ReadonlyArray<keyof DevFile>;

export async function readDevFile(file: string): Promise<DevFile> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null) throw new Error(`${file} is not a JSON object`);
  const record = parsed as Record<string, unknown>;
  const missing = FIELDS.filter((field) => typeof record[field] !== "string" || record[field] === "");
  if (missing.length > 0) throw new Error(`${file} lacks ${missing.join(", ")}`);
  const pick = (field: (typeof FIELDS)[number]): string => String(record[field]);
  return {
    apiUrl: pick("apiUrl"),
    webUrl: pick("webUrl"),
    orgSlug: pick("orgSlug"),
    agentApiKey: pick("agentApiKey"),
    adminApiKey: pick("adminApiKey"),
    adminEmail: pick("adminEmail"),
    adminPassword: pick("adminPassword"),
  };
}
