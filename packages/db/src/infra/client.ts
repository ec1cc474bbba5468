import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client";
import { dbEnv } from "./env";

export type Db = PrismaClient & { readonly pool: pg.Pool };
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/**
 * Prisma and the hot path's raw SQL (group commit) share one pg pool, so a process never holds more
 * connections than DATABASE_POOL_SIZE.
 */
export function createDb(options: { url: string; poolSize?: number }): Db {
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
  pool.on("error", () => {}); // an idle client's connection dropped; the pool replaces it
  const client = new PrismaClient({ adapter: new PrismaPg(pool) });
  return Object.assign(client, { pool });
}

const globalKey = Symbol.for("gatehouse.db");
type Holder = { [globalKey]?: Db };

/** One client per process, from DATABASE_URL (kept on globalThis so dev reloads don't leak pools). */
export function db(): Db {
  const holder = globalThis as Holder;
  if (!holder[globalKey]) {
    const env = dbEnv();
    holder[globalKey] = createDb({ url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE });
  }
  return holder[globalKey];
}

export async function disconnectDb(): Promise<void> {
  const holder = globalThis as Holder;
  const client = holder[globalKey];
  delete holder[globalKey];
  await client?.$disconnect();
  await client?.pool.end().catch(() => {});
}

/** Health check: one round trip to the database. */
export async function pingDatabase(): Promise<boolean> {
  try {
    await db().$queryRaw`SELECT 1`;
    return true;
  } catch {
    return false;
  }
}

/** Interactive transactions wait for the org's log head under load: give them room, not 5 s. */
export const TX_OPTIONS = { maxWait: 15_000, timeout: 15_000 } as const;
