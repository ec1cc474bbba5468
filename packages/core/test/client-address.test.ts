import { describe, expect, it } from "vitest";
import { clientAddressOf, MAX_FORWARDED_HOPS, normalizeAddress, NO_TRUSTED_PROXIES, parseTrustedProxies } from "../src";

// The one rule for who the client is (the API and the console both use it): the socket's peer unless
// that peer is a configured proxy, then the rightmost forwarded entry that is not a proxy.

const PROXIES = parseTrustedProxies("10.0.0.5, 172.16.0.0/12, fd00::/8");
const TRUSTED_PEER = "10.0.0.5";
const UNTRUSTED_PEER = "203.0.113.7";
const oversized = `${Array.from({ length: 5_000 }, (_, i) => `198.51.100.${i % 250}`).join(", ")}, 192.0.2.44`;

// [what the client or proxies sent in X-Forwarded-For, client when the peer is untrusted, client when the peer is the trusted proxy]
const TABLE: Array<[string, string | string[] | undefined, string, string]> = [
  ["absent", undefined, UNTRUSTED_PEER, TRUSTED_PEER],
  ["empty", "", UNTRUSTED_PEER, TRUSTED_PEER],
  ["garbage", "not-an-address", UNTRUSTED_PEER, TRUSTED_PEER],
  ["garbage with commas", ",,, ,", UNTRUSTED_PEER, TRUSTED_PEER],
  ["script", "<script>", UNTRUSTED_PEER, TRUSTED_PEER],
  ["spoofed single", "1.2.3.4", UNTRUSTED_PEER, "1.2.3.4"],
  ["spoofed loopback", "127.0.0.1", UNTRUSTED_PEER, "127.0.0.1"],
  ["spoofed trusted proxy", "10.0.0.5", UNTRUSTED_PEER, TRUSTED_PEER],
  ["client claim then proxy-written address", "6.6.6.6, 192.0.2.1", UNTRUSTED_PEER, "192.0.2.1"],
  ["two trusted hops", "192.0.2.1, 172.20.0.3", UNTRUSTED_PEER, "192.0.2.1"],
  ["garbage behind two trusted hops", "garbage, 172.20.0.3", UNTRUSTED_PEER, "172.20.0.3"],
  ["repeated header lines", ["6.6.6.6", "192.0.2.1"], UNTRUSTED_PEER, "192.0.2.1"],
  ["IPv6", "2001:DB8:0:0::1", UNTRUSTED_PEER, "2001:db8::1"],
  ["IPv6 in brackets with port", "[2001:db8::1]:443", UNTRUSTED_PEER, "2001:db8::1"],
  ["IPv4 with port", "192.0.2.1:5555", UNTRUSTED_PEER, "192.0.2.1"],
  ["IPv4-mapped IPv6", "::ffff:192.0.2.1", UNTRUSTED_PEER, "192.0.2.1"],
  ["IPv6 with zone", "fe80::1%eth0", UNTRUSTED_PEER, TRUSTED_PEER],
  ["over-long entry", `${"1".repeat(100)}`, UNTRUSTED_PEER, TRUSTED_PEER],
  ["oversized header", oversized, UNTRUSTED_PEER, "192.0.2.44"],
];

describe("clientAddressOf: socket peer × X-Forwarded-For", () => {
  it.each(TABLE)("%s: an untrusted peer is the client whatever it sends", (_name, header, untrusted) => {
    expect(clientAddressOf(UNTRUSTED_PEER, header, PROXIES)).toBe(untrusted);
    expect(clientAddressOf(UNTRUSTED_PEER, header, NO_TRUSTED_PROXIES)).toBe(untrusted);
    // Node's IPv4-mapped spelling of the same untrusted peer.
    expect(clientAddressOf(`::ffff:${UNTRUSTED_PEER}`, header, PROXIES)).toBe(untrusted);
  });

  it.each(TABLE)("%s: behind the trusted proxy, the rightmost untrusted entry", (_name, header, _untrusted, behindProxy) => {
    expect(clientAddressOf(TRUSTED_PEER, header, PROXIES)).toBe(behindProxy);
    expect(clientAddressOf(`::ffff:${TRUSTED_PEER}`, header, PROXIES)).toBe(behindProxy);
  });

  it("a chain of trusted proxies longer than the cap ends at the cap", () => {
    const chain = Array.from({ length: MAX_FORWARDED_HOPS + 5 }, (_, i) => `172.16.0.${i + 1}`).join(",");
    expect(clientAddressOf(TRUSTED_PEER, chain, PROXIES)).toBe(`172.16.0.${MAX_FORWARDED_HOPS + 5 - MAX_FORWARDED_HOPS + 1}`);
  });

  it("a socket without an address has no client address; an IPv6 peer in a trusted range is a proxy", () => {
    expect(clientAddressOf(undefined, "1.2.3.4", PROXIES)).toBeNull();
    expect(clientAddressOf("fd00::2", "192.0.2.9", PROXIES)).toBe("192.0.2.9");
  });
});

describe("parseTrustedProxies", () => {
  it.each(["", " ", ",", "10.0.0.1", "10.0.0.0/8, ::1", "fd00::/8", "::ffff:10.0.0.1", "0.0.0.0/0"])("accepts %j", (value) => {
    expect(() => parseTrustedProxies(value)).not.toThrow();
  });

  it.each(["true", "1", "10.0.0.0/33", "::/129", "10.0.0.0/8/1", "localhost", "10.0.0.0/x", "*"])("refuses %j, naming it", (value) => {
    expect(() => parseTrustedProxies(value)).toThrow(/is not an address or a CIDR range/);
  });

  it("an empty list trusts nobody, loopback included", () => {
    expect(NO_TRUSTED_PROXIES.has("127.0.0.1")).toBe(false);
    expect(parseTrustedProxies("127.0.0.1").has("127.0.0.1")).toBe(true);
    expect(parseTrustedProxies("127.0.0.1").has("not-an-address")).toBe(false);
  });
});

describe("normalizeAddress", () => {
  it.each([
    ["::FFFF:1.2.3.4", "1.2.3.4"],
    ["2001:0DB8:0000::0001", "2001:db8::1"],
    ["[::1]", "::1"],
    ["1.2.3.4:80", "1.2.3.4"],
    ["1.2.3", null],
    ["1.2.3.4.5", null],
    ["", null],
    [" 10.0.0.1 ", "10.0.0.1"],
  ])("%j → %j", (raw, expected) => {
    expect(normalizeAddress(raw)).toBe(expected);
  });
});
