import { execFileSync } from "node:child_process";

/**
 * API hosts as network namespaces (issue 43; docs/deploying.md): each host has its own network stack and address,
 * joined to this machine's by a veth pair, on RFC 2544's benchmarking range (198.18.0.0/15: never routed, nothing
 * leaves the machine). Host i (from 1) is 198.18.i.2; its gateway, 198.18.i.1, is where it reaches PostgreSQL and
 * Redis (HAProxy listens there, forwarding to the real ones). A fault is cut on the host's own side, by iptables in
 * its namespace: its packets to a service are dropped (silence, not a refusal), all of them or a share at random.
 * Needs root and iproute2 (`ip netns`, veth) and iptables; this kernel has no netem, so latency is not emulated.
 */
export interface NetHost {
  index: number;
  /** The namespace's name (`ip netns exec <ns> …`). */
  ns: string;
  /** The host's own address. */
  address: string;
  /** The address it reaches PostgreSQL and Redis at (this machine's end of its link). */
  gateway: string;
}

const PREFIX = "gh-host-";
const LINK = "ghv";

function ip(args: string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

function inHost(host: NetHost, command: string, args: string[]): void {
  execFileSync("ip", ["netns", "exec", host.ns, command, ...args], { stdio: ["ignore", "ignore", "pipe"] });
}

/** Removes every host namespace and link a test made (this run's, and any an interrupted run left behind). */
export function removeHosts(): void {
  const namespaces = execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter((name) => name.startsWith(PREFIX));
  for (const ns of namespaces) ip(["netns", "del", ns]);
  const links = execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" })
    .split("\n")
    .map((line) => /^\d+: ([^:@]+)/.exec(line)?.[1] ?? "")
    .filter((name) => name.startsWith(LINK));
  for (const link of links) {
    try {
      ip(["link", "del", link]);
    } catch {
      // gone with its namespace meanwhile
    }
  }
}

/** Makes `count` hosts, each a namespace with loopback up and a link to this machine. */
export function makeHosts(count: number): NetHost[] {
  removeHosts();
  const hosts: NetHost[] = [];
  for (let index = 1; index <= count; index += 1) {
    const host: NetHost = { index, ns: `${PREFIX}${index}`, address: `198.18.${index}.2`, gateway: `198.18.${index}.1` };
    const [outer, inner] = [`${LINK}${index}a`, `${LINK}${index}b`];
    ip(["netns", "add", host.ns]);
    ip(["link", "add", outer, "type", "veth", "peer", "name", inner]);
    ip(["link", "set", inner, "netns", host.ns]);
    ip(["addr", "add", `${host.gateway}/30`, "dev", outer]);
    ip(["link", "set", outer, "up"]);
    inHost(host, "ip", ["addr", "add", `${host.address}/30`, "dev", inner]);
    inHost(host, "ip", ["link", "set", inner, "up"]);
    inHost(host, "ip", ["link", "set", "lo", "up"]);
    hosts.push(host);
  }
  return hosts;
}

/**
 * Cuts `host` off from the services at its gateway on `ports`: every packet to or from them dropped on the host's
 * side (or, with `probability` below 1, that share at random: iptables' statistic match).
 */
export function cutHost(host: NetHost, ports: number[], probability = 1): void {
  const loss = probability < 1 ? ["-m", "statistic", "--mode", "random", "--probability", String(probability)] : [];
  for (const port of ports) {
    inHost(host, "iptables", ["-w", "-A", "OUTPUT", "-d", host.gateway, "-p", "tcp", "--dport", String(port), ...loss, "-j", "DROP"]);
    inHost(host, "iptables", ["-w", "-A", "INPUT", "-s", host.gateway, "-p", "tcp", "--sport", String(port), ...loss, "-j", "DROP"]);
  }
}

/** Lifts every cut on `host` (its namespace's rules are all the test's). */
export function healHost(host: NetHost): void {
  inHost(host, "iptables", ["-w", "-F", "OUTPUT"]);
  inHost(host, "iptables", ["-w", "-F", "INPUT"]);
}
