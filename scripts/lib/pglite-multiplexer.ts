import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import type { PGlite } from "@electric-sql/pglite";
import {
  PROTOCOL_3_0,
  TERMINATE,
  cleartextPasswordRequest,
  closeStatementMessage,
  endsRoundTrip,
  fatalErrorMessage,
  lastReadyForQuery,
  negotiateProtocolVersionMessage,
  passwordOf,
  queryMessage,
  scopeStatementNames,
  startupMessage,
  syncMessage,
  takeMessages,
  takeStartupPacket,
  type TransactionStatus,
} from "./pg-wire.ts";

/**
 * Serves one PGlite instance to many PostgreSQL clients over TCP, the way PgBouncer does in
 * transaction mode (docs/adr/0002-embedded-database.md).
 *
 * PGlite is a single Postgres session. Each client gets a synthesised start-up (the response PGlite
 * gave once, cached) and then takes turns: a client that sends a message gets the session to itself
 * until the session is back at ReadyForQuery with status idle ('I'), i.e. across a whole transaction
 * and across an extended-protocol batch up to its Sync. Other clients queue meanwhile, first come
 * first served. A client that disconnects while it holds the session is rolled back before the next
 * one goes. Terminate is swallowed, CancelRequest ignored.
 *
 * Named prepared statements and portals are each client's own, as on a server: their names are
 * prefixed with the client's number on the way in (`scopeStatementNames`), and the statements a
 * client prepared are closed when it leaves. Everything else session-scoped is shared by all
 * clients: SET, advisory locks, LISTEN, temporary tables. Start-up parameters of clients are ignored.
 *
 * Every client must give the password (asked for in clear text: the listener is on the loopback, and
 * the password is in DATABASE_URL of the processes that use it) before anything reaches PGlite; a
 * missing or wrong one ends the connection with 28P01, as PostgreSQL does.
 */
export interface PgliteMultiplexer {
  readonly host: string;
  readonly port: number;
  /** A URL for node-postgres / @prisma/adapter-pg. */
  readonly url: string;
  /** Stops listening, drops the clients, rolls back an open transaction. Leaves the PGlite open. */
  close(): Promise<void>;
}

export interface ServePgliteOptions {
  db: PGlite;
  /** Every client must give it (the launcher generates it into $GATEHOUSE_HOME/database-password). */
  password: string;
  /** Default 127.0.0.1: this machine only. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Problems worth a log line (a client broke the protocol, a rollback failed). */
  onWarning?: (message: string) => void;
}

export async function servePglite(options: ServePgliteOptions): Promise<PgliteMultiplexer> {
  const host = options.host ?? "127.0.0.1";
  const warn = options.onWarning ?? (() => {});
  await options.db.waitReady;
  const session = new Session(options.db, warn);
  const startupResponse = await session.captureStartupResponse();
  const clients = new Set<Client>();
  if (options.password.length === 0) throw new Error("the embedded database needs a password");
  const passwordDigest = digest(options.password);
  const isPassword = (given: string) => timingSafeEqual(digest(given), passwordDigest);

  const server = createServer((socket) => {
    const client = new Client(socket, session, startupResponse, isPassword, warn);
    clients.add(client);
    socket.once("close", () => clients.delete(client));
  });
  const port = await listen(server, host, options.port ?? 0);

  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    url: `postgresql://postgres:${encodeURIComponent(options.password)}@${host}:${port}/postgres?sslmode=disable`,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const client of clients) client.destroy();
        await stopped;
        await session.drain();
      })();
      return closing;
    },
  };
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/** How long a client may take from connecting to giving the password. */
const AUTHENTICATION_TIMEOUT_MS = 10_000;
/** Numbers the clients, for the prefix of their statement names. */
let clientCount = 0;

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      if (address === null || typeof address === "string") {
        reject(new Error("the embedded database listener has no TCP address"));
        return;
      }
      resolve(address.port);
    });
  });
}

/** The one PGlite session, lent to one client at a time. */
class Session {
  private owner: Client | undefined;
  private readonly waiting: Client[] = [];
  private pumping: Promise<void> | undefined;
  /** Whether the session's last response ended with ReadyForQuery; false inside an unfinished extended batch or COPY. */
  private settled = true;
  private status: TransactionStatus = "I";

  constructor(
    private readonly db: PGlite,
    private readonly warn: (message: string) => void,
  ) {}

  /** Runs one start-up through PGlite and keeps its answer to replay for every client. */
  async captureStartupResponse(): Promise<Buffer> {
    const response = await this.exec(startupMessage({ user: "postgres", database: "postgres" }));
    const last = lastReadyForQuery(response);
    if (!last?.endsWithReady || last.status !== "I") throw new Error("PGlite did not answer the start-up with ReadyForQuery (idle)");
    return response;
  }

  /** A client has messages waiting (or has gone away while holding the session). */
  request(client: Client): void {
    if (client !== this.owner && !this.waiting.includes(client)) this.waiting.push(client);
    this.pumping ??= this.pump().finally(() => {
      this.pumping = undefined;
    });
  }

  /** A client's connection ended: if it holds the session, the session must be handed on. */
  left(client: Client): void {
    if (client === this.owner || client.hasPending()) this.request(client);
  }

  /** Resolves when no work is in flight (the current holder, if gone, has been rolled back). */
  async drain(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  private async pump(): Promise<void> {
    for (;;) {
      if (!this.owner) {
        const next = this.waiting.shift();
        if (!next) return;
        if (!next.hasPending()) continue;
        this.owner = next;
      }
      const owner = this.owner;
      const batch = owner.takeBatch();
      if (!batch) {
        if (!owner.gone) return; // the holder is mid-transaction or mid-batch: wait for its next message
        await this.rollBackAbandoned();
        this.owner = undefined;
        continue;
      }
      let response: Buffer;
      try {
        response = await this.exec(batch);
      } catch (error) {
        this.warn(`embedded database failed a request: ${(error as Error).message}`);
        owner.destroy();
        continue;
      }
      this.track(response);
      owner.write(response);
      if (this.settled && this.status === "I") {
        this.owner = undefined;
        if (owner.hasPending()) this.waiting.push(owner);
      }
      // PGlite runs synchronously; let socket reads in between so clients queue in arrival order.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Leaves the session idle after its holder vanished mid-transaction or mid-batch. */
  private async rollBackAbandoned(): Promise<void> {
    for (let attempt = 0; attempt < 3 && !(this.settled && this.status === "I"); attempt += 1) {
      // Inside an extended batch, ROLLBACK aborts its implicit transaction (or is skipped after an
      // error) and Sync ends the batch; a ROLLBACK on its own ends an explicit transaction block.
      const cleanup = this.settled ? queryMessage("ROLLBACK") : Buffer.concat([queryMessage("ROLLBACK"), syncMessage()]);
      try {
        this.track(await this.exec(cleanup));
      } catch (error) {
        this.warn(`rollback after a disconnect failed: ${(error as Error).message}`);
      }
    }
    if (!(this.settled && this.status === "I")) {
      this.warn(`the embedded database session is still in a transaction after a client left (status ${this.status})`);
    }
  }

  private track(response: Buffer): void {
    const last = lastReadyForQuery(response);
    if (!last) return; // no output (Flush, COPY data, messages skipped after an error): state unchanged
    this.settled = last.endsWithReady;
    if (last.status) this.status = last.status;
  }

  private async exec(message: Buffer): Promise<Buffer> {
    const chunks: Buffer[] = [];
    await this.db.runExclusive(() =>
      this.db.execProtocolRawStream(message, {
        onRawData: (data) => chunks.push(Buffer.from(data)),
      }),
    );
    return Buffer.concat(chunks);
  }
}

/**
 * One client TCP connection. Like a Postgres backend, messages that arrived before the connection
 * ended are still executed (a pipelined COMMIT before Terminate commits); destroy() drops them.
 */
class Client {
  /** No more input will come. */
  gone = false;
  private started = false;
  /** The password was asked for and not given yet. */
  private authenticating = false;
  private readonly authenticationTimer: NodeJS.Timeout;
  private inbox: Buffer = Buffer.alloc(0);
  private pending: Buffer[] = [];
  /** This client's prefix of statement and portal names, and the statements it has prepared (prefixed). */
  private readonly prefix = `mux${++clientCount}_`;
  private readonly statements = new Set<string>();

  constructor(
    private readonly socket: Socket,
    private readonly session: Session,
    private readonly startupResponse: Buffer,
    private readonly isPassword: (given: string) => boolean,
    private readonly warn: (message: string) => void,
  ) {
    socket.setNoDelay(true);
    this.authenticationTimer = setTimeout(() => {
      if (!this.started) this.destroy();
    }, AUTHENTICATION_TIMEOUT_MS);
    this.authenticationTimer.unref();
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", () => socket.destroy());
    socket.once("close", () => this.leave());
  }

  hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Pending messages up to and including the next one that ends a round trip (or all of them). */
  takeBatch(): Buffer | undefined {
    if (this.pending.length === 0) return undefined;
    const end = this.pending.findIndex(endsRoundTrip);
    const taken = this.pending.splice(0, end < 0 ? this.pending.length : end + 1);
    return taken.length === 1 && taken[0] ? taken[0] : Buffer.concat(taken);
  }

  write(data: Buffer): void {
    if (data.length > 0 && !this.socket.destroyed && this.socket.writable) this.socket.write(data);
  }

  destroy(): void {
    this.pending = [];
    this.socket.destroy();
    this.leave();
  }

  private leave(): void {
    clearTimeout(this.authenticationTimer);
    if (this.gone) return;
    this.gone = true;
    // The statements it prepared would outlive it in the shared session: close them after what it sent.
    if (this.statements.size > 0) this.pending.push(...[...this.statements].map(closeStatementMessage), syncMessage());
    this.statements.clear();
    this.session.left(this);
  }

  private receive(chunk: Buffer): void {
    if (this.gone) return;
    this.inbox = this.inbox.length === 0 ? chunk : Buffer.concat([this.inbox, chunk]);
    try {
      if (!this.started && !this.authenticating) this.receiveStartup();
      if (this.authenticating) this.receivePassword();
      if (!this.started || this.gone) return;
      const { messages, rest } = takeMessages(this.inbox);
      this.inbox = rest;
      let added = false;
      for (const message of messages) {
        if (message[0] === TERMINATE) {
          this.socket.end();
          this.leave();
          break;
        }
        const scoped = scopeStatementNames(message, this.prefix);
        if (scoped.parsed) this.statements.add(scoped.parsed);
        if (scoped.closed) this.statements.delete(scoped.closed);
        this.pending.push(scoped.message);
        added = true;
      }
      if (added) this.session.request(this);
    } catch (error) {
      this.warn(`dropping a client that broke the protocol: ${(error as Error).message}`);
      this.destroy();
    }
  }

  private receiveStartup(): void {
    for (;;) {
      const taken = takeStartupPacket(this.inbox);
      if (!taken) return;
      this.inbox = taken.rest;
      const packet = taken.packet;
      switch (packet.kind) {
        case "ssl":
        case "gssenc":
          this.socket.write("N");
          break;
        case "cancel":
          // Cancelling would need a second session; the request is dropped, as Postgres does with an unknown key.
          this.socket.end();
          this.leave();
          return;
        case "startup": {
          if (packet.majorVersion !== PROTOCOL_3_0 >>> 16) {
            this.socket.end(fatalErrorMessage("0A000", `unsupported frontend protocol ${packet.majorVersion}.${packet.minorVersion}`));
            this.leave();
            return;
          }
          if (packet.minorVersion !== 0) {
            this.socket.write(negotiateProtocolVersionMessage([...packet.parameters.keys()].filter((name) => name.startsWith("_pq_."))));
          }
          this.socket.write(cleartextPasswordRequest());
          this.authenticating = true;
          return;
        }
      }
    }
  }

  /** The first message after the start-up must be the right password; anything else ends the connection. */
  private receivePassword(): void {
    const { messages, rest } = takeMessages(this.inbox);
    const [first] = messages;
    if (!first) return;
    this.inbox = Buffer.concat([...messages.slice(1), rest]);
    const given = passwordOf(first);
    if (given === undefined || !this.isPassword(given)) {
      this.socket.end(fatalErrorMessage("28P01", 'password authentication failed for user "postgres"'));
      this.leave();
      return;
    }
    this.authenticating = false;
    clearTimeout(this.authenticationTimer);
    this.socket.write(this.startupResponse);
    this.started = true;
  }
}
