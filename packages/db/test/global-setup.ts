import type { TestProject } from "vitest/node";
import { migrate } from "../src/migrate";
import { createTestDatabase } from "../src/testing";

/** One fresh, migrated database per test run (per project), dropped at the end. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const base = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
  const database = await createTestDatabase(base, `gatehouse_${project.name}`);
  await migrate({ url: database.url });
  project.provide("databaseUrl", database.url);
  return () => database.drop();
}
