import { BlockList, isIP } from "node:net";

/**
 * Who the client is, for every per-address limit in Gatehouse (the API's failed-key limit, the
 * console's sign-in and mail limits): one rule for both apps (docs/adr/0017).
 *
 * The client is the socket's peer, unless that peer is a proxy the operator named
 * (GATEHOUSE_TRUSTED_PROXIES). Then the address that proxy appended to X-Forwarded-For (its rightmost
 * entry) is the next candidate, and so on leftwards while each candidate is itself a trusted proxy. The
 * first candidate that is not trusted is the client. Entries further left are the client's own claims
 * and are never read; an entry that is not an address (which only a client, never a trusted proxy,
 * writes) ends the walk at the last trusted hop. The answer is always an address, written one way
 * (IPv4-mapped IPv6 as IPv4, IPv6 compressed and lower-case), so no spelling of one address is a
 * bucket of its own.
 */
export interface TrustedProxies {
  /** True when `address` (as clientAddressOf normalizes it) is a configured proxy. */
  has(address: string): boolean;
  /** The configured entries, as given (for logs and docs). */
  readonly entries: readonly string[];
}

/** At most this many X-Forwarded-For entries are read (right to left); a longer header is cut there. */
export const MAX_FORWARDED_HOPS = 16;
/** A header longer than this is read from its end only: no client can make the walk parse megabytes. */
const MAX_FORWARDED_CHARS = 2_048;

/**
 * An address in one spelling: IPv4 dotted, IPv6 as the URL parser writes it (compressed, lower-case,
 * no brackets), IPv4-mapped IPv6 as the IPv4 address; an IPv4 "a.b.c.d:port" or "[v6]:port" loses
 * its port. Null when it is not an address.
 */
export function normalizeAddress(raw: string | undefined | null): string | null {
  if (typeof raw !== "string") return null;
  let value = raw.trim();
  if (value.length === 0 || value.length > 64) return null;
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(value);
  if (bracketed) value = bracketed[1] ?? "";
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(value);
  if (v4WithPort) value = v4WithPort[1] ?? "";
  const family = isIP(value);
  if (family === 4) return value;
  if (family !== 6 || value.includes("%")) return null;
  let canonical: string;
  try {
    canonical = new URL(`http://[${value}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (mapped) {
    const high = parseInt(mapped[1] ?? "0", 16);
    const low = parseInt(mapped[2] ?? "0", 16);
    return [high >> 8, high & 255, low >> 8, low & 255].join(".");
  }
  return canonical;
}

/**
 * The trusted proxies from their configuration: a comma-separated list of addresses and CIDR ranges
 * (`10.0.0.5, 172.16.0.0/12, fd00::/8`). Empty or unset: no proxy is trusted. Throws naming the entry
 * that is neither.
 */
export function parseTrustedProxies(value: string | undefined | null): TrustedProxies {
  const entries = (value ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
  const list = new BlockList();
  for (const entry of entries) {
    const [base = "", prefix, extra] = entry.split("/");
    const address = normalizeAddress(base);
    const family = address === null ? 0 : isIP(address);
    const bits = prefix === undefined ? (family === 4 ? 32 : 128) : /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1;
    if (address === null || extra !== undefined || bits < 0 || bits > (family === 4 ? 32 : 128)) {
      throw new Error(`"${entry}" is not an address or a CIDR range (10.0.0.5, 172.16.0.0/12, fd00::/8)`);
    }
    list.addSubnet(address, bits, family === 4 ? "ipv4" : "ipv6");
  }
  return {
    entries: Object.freeze(entries),
    has: (address) => {
      const family = isIP(address);
      return family !== 0 && entries.length > 0 && list.check(address, family === 4 ? "ipv4" : "ipv6");
    },
  };
}

/** No proxy trusted: the socket's peer is the client. */
export const NO_TRUSTED_PROXIES: TrustedProxies = parseTrustedProxies("");

/**
 * The client's address: the socket's peer, or, while the peer is a trusted proxy, the rightmost
 * X-Forwarded-For entry not itself trusted (see TrustedProxies). Null only when the socket has no
 * address (a closed socket). `forwardedFor` is the header as Node gives it (several header lines
 * count as one list, in order).
 */
export function clientAddressOf(socketAddress: string | undefined | null, forwardedFor: string | readonly string[] | undefined | null, trusted: TrustedProxies): string | null {
  let client = normalizeAddress(socketAddress);
  if (client === null || !trusted.has(client)) return client;
  let header = typeof forwardedFor === "string" ? forwardedFor : (forwardedFor ?? []).join(",");
  if (header.length > MAX_FORWARDED_CHARS) header = header.slice(-MAX_FORWARDED_CHARS);
  const entries = header.split(",");
  for (let hop = 0; hop < MAX_FORWARDED_HOPS && entries.length > 0; hop += 1) {
    const next = normalizeAddress(entries.pop());
    // Not an address: the trusted hop was handed a claim it could not have written; stop at the hop.
    if (next === null) return client;
    client = next;
    if (!trusted.has(client)) return client;
  }
  return client;
}
