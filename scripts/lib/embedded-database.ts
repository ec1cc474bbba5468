import { PGlite } from "@electric-sql/pglite";
import { servePglite } from "./pglite-multiplexer.ts";

export interface EmbeddedDatabase {
  /** DATABASE_URL for the child processes. */
  readonly url: string;
  /** Stops serving, then closes PGlite so its data directory is left consistent. */
  stop(): Promise<void>;
}

/**
 * Opens PGlite on `dataDir` (created and initialised on first use) and serves it on 127.0.0.1 at a
 * free port through the transaction-level multiplexer (docs/adr/0002-embedded-database.md), to
 * clients that give `password`.
 */
export async function startEmbeddedDatabase(options: { dataDir: string; password: string; onWarning: (message: string) => void }): Promise<EmbeddedDatabase> {
  const db = await PGlite.create({ dataDir: options.dataDir });
  try {
    const server = await servePglite({ db, password: options.password, onWarning: options.onWarning });
    let stopping: Promise<void> | undefined;
    return {
      url: server.url,
      stop() {
        stopping ??= server.close().finally(() => db.close());
        return stopping;
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}
