import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { servePglite, type PgliteMultiplexer } from "../lib/pglite-multiplexer.ts";
import { queryMessage, startupMessage, SSL_REQUEST_CODE, CANCEL_REQUEST_CODE } from "../lib/pg-wire.ts";

/** A frontend PasswordMessage. */
function passwordMessage(password: string): Buffer {
  const body = Buffer.from(`${password}\0`, "utf8");
  const header = Buffer.alloc(5);
  header.write("p", 0, "latin1");
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

let db: PGlite;
let server: PgliteMultiplexer;
const opened: Array<pg.Client | pg.Pool> = [];
const PASSWORD = randomBytes(32).toString("base64");

beforeAll(async () => {
  db = await PGlite.create();
  server = await servePglite({ db, password: PASSWORD });
});

afterAll(async () => {
  await server.close();
  await db.close();
});

beforeEach(async () => {
  await db.exec("DROP TABLE IF EXISTS items; CREATE TABLE items (id serial PRIMARY KEY, owner text NOT NULL, n int NOT NULL)");
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((handle) => handle.end().catch(() => {})));
});

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: server.url });
  opened.push(c);
  await c.connect();
  return c;
}

function pool(max: number): pg.Pool {
  const p = new pg.Pool({ connectionString: server.url, max });
  opened.push(p);
  return p;
}

/** Settles to "pending" if `promise` has not settled within `ms`. */
async function stateAfter(promise: Promise<unknown>, ms: number): Promise<"settled" | "pending"> {
  return Promise.race([
    promise.then(
      () => "settled" as const,
      () => "settled" as const,
    ),
    sleep(ms).then(() => "pending" as const),
  ]);
}

/** A raw protocol connection, for what node-postgres cannot do (drop the socket mid-transaction). */
async function rawConnection(): Promise<{ socket: Socket; received: () => Buffer; waitFor: (byteCount: number) => Promise<void> }> {
  const socket = connect(server.port, server.host);
  let data = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    data = Buffer.concat([data, chunk]);
  });
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const waitFor = async (byteCount: number): Promise<void> => {
    for (let i = 0; i < 500 && data.length < byteCount; i += 1) await sleep(10);
  };
  return { socket, received: () => data, waitFor };
}

function frontend(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, "latin1");
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

function terminateMessage(): Buffer {
  return frontend("X", Buffer.alloc(0));
}

function eightBytePacket(length: number, code: number): Buffer {
  const packet = Buffer.alloc(length);
  packet.writeInt32BE(length, 0);
  packet.writeInt32BE(code, 4);
  return packet;
}

describe("PGlite multiplexer", () => {
  it("answers parameterised queries from many interleaving clients with each client's own rows", async () => {
    const clients = await Promise.all(Array.from({ length: 8 }, () => client()));
    const perClient = await Promise.all(
      clients.map(async (c, clientIndex) => {
        const results: Array<{ expected: { sum: number; who: string }; actual: unknown }> = [];
        for (let i = 0; i < 25; i += 1) {
          const { rows } = await c.query<{ sum: number; who: string }>("SELECT $1::int + $2::int AS sum, $3::text AS who", [clientIndex, i, `client-${clientIndex}`]);
          results.push({ expected: { sum: clientIndex + i, who: `client-${clientIndex}` }, actual: rows[0] });
        }
        return results;
      }),
    );
    for (const { expected, actual } of perClient.flat()) expect(actual).toEqual(expected);
  });

  it("keeps a transaction to its client: another client waits until commit and then sees the result", async () => {
    const a = await client();
    const b = await client();
    await a.query("BEGIN");
    await a.query("INSERT INTO items (owner, n) VALUES ($1, $2)", ["a", 1]);
    const bCount = b.query<{ count: number }>("SELECT count(*)::int AS count FROM items WHERE owner = $1", ["a"]);
    expect(await stateAfter(bCount, 200)).toBe("pending");
    await a.query("INSERT INTO items (owner, n) VALUES ($1, $2)", ["a", 2]);
    await a.query("COMMIT");
    expect((await bCount).rows[0]?.count).toBe(2);
  });

  it("does not let a rollback in one client undo another client's statements", async () => {
    const a = await client();
    const b = await client();
    await a.query("BEGIN");
    await a.query("INSERT INTO items (owner, n) VALUES ('a', 1)");
    const bInsert = b.query("INSERT INTO items (owner, n) VALUES ($1, $2)", ["b", 1]);
    expect(await stateAfter(bInsert, 100)).toBe("pending");
    await a.query("ROLLBACK");
    await bInsert;
    const { rows } = await b.query<{ owner: string }>("SELECT owner FROM items ORDER BY owner");
    expect(rows.map((row) => row.owner)).toEqual(["b"]);
  });

  it("holds the session through a failed transaction until the client rolls back", async () => {
    const a = await client();
    const b = await client();
    await a.query("BEGIN");
    await expect(a.query("SELECT no_such_column FROM items")).rejects.toThrow(/no_such_column/);
    const bQuery = b.query("SELECT 1 AS one");
    expect(await stateAfter(bQuery, 100)).toBe("pending");
    await a.query("ROLLBACK");
    expect((await bQuery).rows).toEqual([{ one: 1 }]);
  });

  it("recovers from an error inside an extended-protocol batch", async () => {
    const a = await client();
    const b = await client();
    await expect(a.query("SELECT $1::int AS n", ["not a number"])).rejects.toThrow(/invalid input syntax/);
    const [fromA, fromB] = await Promise.all([a.query("SELECT $1::int AS n", [1]), b.query("SELECT $1::int AS n", [2])]);
    expect(fromA.rows).toEqual([{ n: 1 }]);
    expect(fromB.rows).toEqual([{ n: 2 }]);
  });

  it("rolls back the transaction of a client that ends its connection mid-transaction", async () => {
    const a = await client();
    const b = await client();
    await a.query("BEGIN");
    await a.query("INSERT INTO items (owner, n) VALUES ('a', 1)");
    await a.end();
    const { rows } = await b.query<{ count: number }>("SELECT count(*)::int AS count FROM items");
    expect(rows[0]?.count).toBe(0);
    expect((await b.query<{ open: boolean }>("SELECT pg_current_xact_id_if_assigned() IS NOT NULL AS open")).rows[0]?.open).toBe(false);
  });

  it("rolls back the transaction of a client whose socket drops mid-transaction", async () => {
    const raw = await rawConnection();
    raw.socket.write(Buffer.concat([startupMessage({ user: "postgres", database: "postgres" }), passwordMessage(PASSWORD)]));
    raw.socket.write(queryMessage("BEGIN; INSERT INTO items (owner, n) VALUES ('raw', 1);"));
    await raw.waitFor(1);
    for (let i = 0; i < 100 && !raw.received().includes(Buffer.from("INSERT 0 1")); i += 1) await sleep(10);
    expect(raw.received().includes(Buffer.from("INSERT 0 1"))).toBe(true);
    const b = await client();
    const bInsert = b.query("INSERT INTO items (owner, n) VALUES ('b', 1)");
    expect(await stateAfter(bInsert, 100)).toBe("pending");
    raw.socket.destroy();
    await bInsert;
    const { rows } = await b.query<{ owner: string }>("SELECT owner FROM items ORDER BY owner");
    expect(rows.map((row) => row.owner)).toEqual(["b"]);
  });

  it("still runs what a client sent before it terminated, even if it had to queue", async () => {
    const a = await client();
    await a.query("BEGIN");
    await a.query("INSERT INTO items (owner, n) VALUES ('a', 1)");
    const raw = await rawConnection();
    const closed = new Promise<void>((resolve) => raw.socket.once("close", () => resolve()));
    raw.socket.write(Buffer.concat([startupMessage({ user: "postgres", database: "postgres" }), passwordMessage(PASSWORD)]));
    raw.socket.end(Buffer.concat([queryMessage("INSERT INTO items (owner, n) VALUES ('raw', 1)"), terminateMessage()]));
    await closed;
    await a.query("COMMIT");
    const { rows } = await a.query<{ owner: string }>("SELECT owner FROM items ORDER BY owner");
    expect(rows.map((row) => row.owner)).toEqual(["a", "raw"]);
  });

  it("rolls back the unfinished extended-protocol batch of a client that drops before its Sync", async () => {
    const raw = await rawConnection();
    raw.socket.write(Buffer.concat([startupMessage({ user: "postgres", database: "postgres" }), passwordMessage(PASSWORD)]));
    // Parse, Bind, Execute of an INSERT, and no Sync: the row exists only in the implicit transaction.
    raw.socket.write(
      Buffer.concat([
        frontend("P", Buffer.from("\0INSERT INTO items (owner, n) VALUES ('raw', 1)\0\0\0", "latin1")),
        frontend("B", Buffer.from([0, 0, 0, 0, 0, 0, 0, 0])),
        frontend("E", Buffer.from([0, 0, 0, 0, 0])),
      ]),
    );
    for (let i = 0; i < 100 && !raw.received().includes(Buffer.from("INSERT 0 1")); i += 1) await sleep(10);
    expect(raw.received().includes(Buffer.from("INSERT 0 1"))).toBe(true);
    raw.socket.destroy();
    const b = await client();
    const { rows } = await b.query<{ count: number }>("SELECT count(*)::int AS count FROM items");
    expect(rows[0]?.count).toBe(0);
  });

  it("serialises whole transactions across two pools, so read-modify-write loses no update", async () => {
    await db.exec("DROP TABLE IF EXISTS counter; CREATE TABLE counter (id int PRIMARY KEY, value int NOT NULL); INSERT INTO counter VALUES (1, 0)");
    const pools = [pool(4), pool(4)];
    const increment = async (p: pg.Pool): Promise<void> => {
      const c = await p.connect();
      try {
        await c.query("BEGIN");
        const { rows } = await c.query<{ value: number }>("SELECT value FROM counter WHERE id = $1", [1]);
        await sleep(1);
        await c.query("UPDATE counter SET value = $1 WHERE id = $2", [(rows[0]?.value ?? 0) + 1, 1]);
        await c.query("COMMIT");
      } finally {
        c.release();
      }
    };
    await Promise.all(pools.flatMap((p) => Array.from({ length: 25 }, () => increment(p))));
    const { rows } = await pools[0]!.query<{ value: number }>("SELECT value FROM counter WHERE id = 1");
    expect(rows[0]?.value).toBe(50);
  });

  it("ends with exactly 200 rows after 200 concurrent parameterised inserts through a 5-connection pool", async () => {
    const p = pool(5);
    await Promise.all(Array.from({ length: 200 }, (_, i) => p.query("INSERT INTO items (owner, n) VALUES ($1, $2)", ["pool", i])));
    const { rows } = await p.query<{ count: number; distinct: number }>("SELECT count(*)::int AS count, count(DISTINCT n)::int AS distinct FROM items");
    expect(rows[0]).toEqual({ count: 200, distinct: 200 });
  });

  it("gives each client its own named prepared statements, as a server does: the same name on two clients, each its own query", async () => {
    const [a, b] = [await client(), await client()];
    // node-postgres prepares a named query once per connection and then only binds it; a shared name would collide.
    for (let round = 0; round < 3; round += 1) {
      const [fromA, fromB] = await Promise.all([
        a.query<{ who: string }>({ name: "who", text: "SELECT $1::text || '-a' AS who", values: [String(round)] }),
        b.query<{ who: string }>({ name: "who", text: "SELECT $1::text || '-b' AS who", values: [String(round)] }),
      ]);
      expect([fromA.rows[0]?.who, fromB.rows[0]?.who]).toEqual([`${round}-a`, `${round}-b`]);
    }
  });

  it("closes the statements a client prepared when it leaves", async () => {
    const leaving = await client();
    await leaving.query({ name: "leftover", text: "SELECT 1 AS one" });
    const watcher = await client();
    const count = async () => (await watcher.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE '%\\_leftover'")).rows[0]?.n;
    expect(await count()).toBe(1);
    await leaving.end();
    for (let tries = 0; tries < 100 && (await count()) !== 0; tries += 1) await sleep(10);
    expect(await count()).toBe(0);
  });

  it("answers SSLRequest with N so clients continue in plain text", async () => {
    const raw = await rawConnection();
    raw.socket.write(eightBytePacket(8, SSL_REQUEST_CODE));
    await raw.waitFor(1);
    expect(raw.received().toString("latin1")).toBe("N");
    raw.socket.destroy();
  });

  it("ignores a CancelRequest and closes that connection", async () => {
    const raw = await rawConnection();
    const closed = new Promise<void>((resolve) => raw.socket.once("close", () => resolve()));
    raw.socket.write(eightBytePacket(16, CANCEL_REQUEST_CODE));
    await closed;
    expect(raw.received().length).toBe(0);
    const c = await client();
    expect((await c.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
  });
});

describe("PGlite multiplexer: the password", () => {
  /** The server's URL with another password (or none). */
  const urlWith = (password: string | undefined) => {
    const url = new URL(server.url);
    url.password = password === undefined ? "" : encodeURIComponent(password);
    return url.toString();
  };

  it("puts the password in its URL, and a client that gives it is served", async () => {
    expect(new URL(server.url).password).toBe(encodeURIComponent(PASSWORD));
    const c = await client();
    expect((await c.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
  });

  const wrong: Array<[string, string]> = [
    ["empty", ""],
    ["another", "not the password at all"],
    ["one character short", PASSWORD.slice(0, -1)],
    ["one character more", `${PASSWORD}x`],
    ["another case", PASSWORD.toLowerCase()],
    ["with a NUL inside", `${PASSWORD.slice(0, 8)}\u0000${PASSWORD.slice(8)}`],
  ];
  it.each(wrong)("refuses node-postgres with a wrong password (%s): 28P01, and the connection ends", async (_label, password) => {
    const c = new pg.Client({ connectionString: urlWith("placeholder"), password });
    opened.push(c);
    await expect(c.connect()).rejects.toMatchObject({ code: "28P01" });
  });

  it("refuses a client that skips the password and sends a query: nothing of it reaches the database", async () => {
    const raw = await rawConnection();
    const closed = new Promise<void>((resolve) => raw.socket.once("close", () => resolve()));
    raw.socket.write(startupMessage({ user: "postgres", database: "postgres" }));
    raw.socket.write(queryMessage("CREATE TABLE pwned (id int)"));
    await closed;
    const received = raw.received().toString("latin1");
    expect(received).toContain("28P01");
    expect(received).not.toContain("CREATE TABLE");
    expect((await db.query("SELECT to_regclass('pwned') AS t")).rows).toEqual([{ t: null }]);
  });

  it("refuses a password sent with a query pipelined behind it when the password is wrong; the query never runs", async () => {
    const raw = await rawConnection();
    const closed = new Promise<void>((resolve) => raw.socket.once("close", () => resolve()));
    raw.socket.write(startupMessage({ user: "postgres", database: "postgres" }));
    await raw.waitFor(9);
    raw.socket.write(Buffer.concat([passwordMessage("guess"), queryMessage("CREATE TABLE pwned (id int)")]));
    await closed;
    expect(raw.received().toString("latin1")).toContain("28P01");
    expect((await db.query("SELECT to_regclass('pwned') AS t")).rows).toEqual([{ t: null }]);
  });

  it("asks for the password before anything else: a client given no password gets no parameters or ReadyForQuery", async () => {
    const raw = await rawConnection();
    raw.socket.write(startupMessage({ user: "postgres", database: "postgres" }));
    await raw.waitFor(9);
    // AuthenticationCleartextPassword: 'R', length 8, code 3, and nothing after it.
    expect([...raw.received()]).toEqual([0x52, 0, 0, 0, 8, 0, 0, 0, 3]);
    raw.socket.destroy();
  });

  it("refuses to serve without a password", async () => {
    await expect(servePglite({ db, password: "" })).rejects.toThrow(/needs a password/);
  });
});
