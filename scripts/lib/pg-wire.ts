// The few pieces of the PostgreSQL wire protocol (v3) the embedded-database multiplexer needs:
// framing of frontend messages, recognising the start-up packets, building the handful of messages
// it sends itself, and reading the transaction status out of a backend response.
// Reference: https://www.postgresql.org/docs/current/protocol-message-formats.html

export const PROTOCOL_3_0 = 196_608;
export const SSL_REQUEST_CODE = 80_877_103;
export const GSSENC_REQUEST_CODE = 80_877_104;
export const CANCEL_REQUEST_CODE = 80_877_102;

/** Frontend message types the multiplexer treats specially. */
export const TERMINATE = 0x58; // 'X'
/** Backend message type ReadyForQuery ('Z'); its one-byte body is the transaction status. */
const READY_FOR_QUERY = 0x5a;

/** ReadyForQuery status: idle, in a transaction block, in a failed transaction block. */
export type TransactionStatus = "I" | "T" | "E";

/** A packet sent before the session starts (no type byte): SSL/GSS request, cancel, or start-up. */
export type StartupPacket =
  { kind: "ssl" } | { kind: "gssenc" } | { kind: "cancel" } | { kind: "startup"; majorVersion: number; minorVersion: number; parameters: Map<string, string> };

/**
 * Takes one start-up-phase packet off the front of `buffer`. Returns undefined when the packet is
 * not complete yet; throws on a packet that cannot be one (the caller drops the connection).
 */
export function takeStartupPacket(buffer: Buffer): { packet: StartupPacket; rest: Buffer } | undefined {
  if (buffer.length < 8) return undefined;
  const length = buffer.readInt32BE(0);
  if (length < 8 || length > 10_000) throw new Error(`invalid start-up packet length ${length}`);
  if (buffer.length < length) return undefined;
  const code = buffer.readInt32BE(4);
  const rest = buffer.subarray(length);
  if (code === SSL_REQUEST_CODE) return { packet: { kind: "ssl" }, rest };
  if (code === GSSENC_REQUEST_CODE) return { packet: { kind: "gssenc" }, rest };
  if (code === CANCEL_REQUEST_CODE) return { packet: { kind: "cancel" }, rest };
  const majorVersion = code >>> 16;
  const minorVersion = code & 0xffff;
  const parameters = new Map<string, string>();
  const fields = buffer.subarray(8, length).toString("utf8").split("\0");
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i];
    const value = fields[i + 1];
    if (!name || value === undefined) break;
    parameters.set(name, value);
  }
  return { packet: { kind: "startup", majorVersion, minorVersion, parameters }, rest };
}

/**
 * Splits complete regular messages (type byte + int32 length) off the front of `buffer`; the
 * incomplete tail is returned as `rest`.
 */
export function takeMessages(buffer: Buffer): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let offset = 0;
  while (buffer.length - offset >= 5) {
    const length = buffer.readInt32BE(offset + 1);
    if (length < 4) throw new Error(`invalid message length ${length}`);
    const end = offset + 1 + length;
    if (buffer.length < end) break;
    messages.push(buffer.subarray(offset, end));
    offset = end;
  }
  return { messages, rest: buffer.subarray(offset) };
}

/** Frontend messages after which the backend answers with ReadyForQuery: Query, FunctionCall, Sync. */
export function endsRoundTrip(message: Buffer): boolean {
  const type = message[0];
  return type === 0x51 /* Q */ || type === 0x46 /* F */ || type === 0x53; /* S */
}

function frame(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, "latin1");
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

function cString(value: string): Buffer {
  return Buffer.from(`${value}\0`, "utf8");
}

/** Frontend Query message (simple protocol). */
export function queryMessage(sql: string): Buffer {
  return frame("Q", cString(sql));
}

/** Frontend Close message of a prepared statement. */
export function closeStatementMessage(name: string): Buffer {
  return frame("C", Buffer.concat([Buffer.from("S", "latin1"), cString(name)]));
}

/**
 * The names of prepared statements and portals a frontend message carries, scoped to one client:
 * each non-empty name gets `prefix` (Parse, Bind, Describe, Close, Execute; the unnamed ones stay
 * unnamed). Also answers the statement a Parse defines and the one a Close of a statement drops, as
 * scoped. Any other message comes back as it is.
 */
export function scopeStatementNames(message: Buffer, prefix: string): { message: Buffer; parsed?: string; closed?: string } {
  const type = String.fromCharCode(message[0] ?? 0);
  const body = message.subarray(5);
  const scoped = (name: string) => (name === "" ? "" : `${prefix}${name}`);
  /** The body's C string at `offset`, and where the rest starts. */
  const readName = (offset: number): [string, number] => {
    const end = body.indexOf(0, offset);
    if (end < 0) throw new Error(`a ${type} message without its name's terminator`);
    return [body.toString("utf8", offset, end), end + 1];
  };
  switch (type) {
    case "P": {
      const [name, rest] = readName(0);
      const statement = scoped(name);
      return { message: frame(type, Buffer.concat([cString(statement), body.subarray(rest)])), ...(statement ? { parsed: statement } : {}) };
    }
    case "B": {
      const [portal, afterPortal] = readName(0);
      const [statement, rest] = readName(afterPortal);
      return { message: frame(type, Buffer.concat([cString(scoped(portal)), cString(scoped(statement)), body.subarray(rest)])) };
    }
    case "E": {
      const [portal, rest] = readName(0);
      return { message: frame(type, Buffer.concat([cString(scoped(portal)), body.subarray(rest)])) };
    }
    case "D":
    case "C": {
      const kind = body.subarray(0, 1);
      const [name, rest] = readName(1);
      const named = scoped(name);
      const closed = type === "C" && kind.toString("latin1") === "S" && named ? { closed: named } : {};
      return { message: frame(type, Buffer.concat([kind, cString(named), body.subarray(rest)])), ...closed };
    }
    default:
      return { message };
  }
}

/** Frontend Sync message. */
export function syncMessage(): Buffer {
  return frame("S", Buffer.alloc(0));
}

/** Frontend StartupMessage for protocol 3.0. */
export function startupMessage(parameters: Record<string, string>): Buffer {
  const pairs = Object.entries(parameters).flatMap(([name, value]) => [cString(name), cString(value)]);
  const body = Buffer.concat([Buffer.from([0, 3, 0, 0]), ...pairs, Buffer.from([0])]);
  const header = Buffer.alloc(4);
  header.writeInt32BE(body.length + 4, 0);
  return Buffer.concat([header, body]);
}

/** Backend AuthenticationCleartextPassword: the client is to send its password (PasswordMessage). */
export function cleartextPasswordRequest(): Buffer {
  const body = Buffer.alloc(4);
  body.writeInt32BE(3, 0);
  return frame("R", body);
}

/** The password a frontend PasswordMessage ('p') carries, or undefined for any other message. */
export function passwordOf(message: Buffer): string | undefined {
  if (message[0] !== 0x70 /* p */ || message.length < 6 || message[message.length - 1] !== 0) return undefined;
  return message.subarray(5, message.length - 1).toString("utf8");
}

/** Backend ErrorResponse with severity FATAL. */
export function fatalErrorMessage(code: string, message: string): Buffer {
  return frame("E", Buffer.concat([cString("SFATAL"), cString("VFATAL"), cString(`C${code}`), cString(`M${message}`), Buffer.from([0])]));
}

/** Backend NegotiateProtocolVersion: we speak 3.0; lists the `_pq_.` options we did not recognise. */
export function negotiateProtocolVersionMessage(unrecognisedOptions: readonly string[]): Buffer {
  const counts = Buffer.alloc(8);
  counts.writeInt32BE(PROTOCOL_3_0 & 0xffff, 0);
  counts.writeInt32BE(unrecognisedOptions.length, 4);
  return frame("v", Buffer.concat([counts, ...unrecognisedOptions.map(cString)]));
}

/**
 * Walks a complete backend response and reports its last message: whether that is ReadyForQuery,
 * and if so the transaction status it carries. `undefined` for an empty response.
 */
export function lastReadyForQuery(response: Buffer): { endsWithReady: boolean; status: TransactionStatus | undefined } | undefined {
  if (response.length === 0) return undefined;
  let offset = 0;
  let lastStart = -1;
  while (response.length - offset >= 5) {
    const length = response.readInt32BE(offset + 1);
    const end = offset + 1 + length;
    if (length < 4 || end > response.length) break;
    lastStart = offset;
    offset = end;
  }
  if (lastStart < 0 || offset !== response.length || response[lastStart] !== READY_FOR_QUERY) {
    return { endsWithReady: false, status: undefined };
  }
  const status = String.fromCharCode(response[lastStart + 5] ?? 0);
  if (status !== "I" && status !== "T" && status !== "E") return { endsWithReady: false, status: undefined };
  return { endsWithReady: true, status };
}
