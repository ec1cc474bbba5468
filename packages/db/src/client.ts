import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";
import { dbEnv } from "./env";

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

export function createDb(options: { url: string; poolSize?: number }): Db {
  const adapter = new PrismaPg({ connectionString: options.url, max: options.poolSize ?? 10 });
  return new PrismaClient({ adapter });
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
