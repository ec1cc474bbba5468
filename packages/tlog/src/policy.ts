import { parseCosignatureVerifierKey, type CosignatureVerifier } from "./cosignature";
import { parseVerifierKey, type NoteVerifier } from "./note";

/**
 * C2SP tlog-policy (https://c2sp.org/tlog-policy): the logs a verifier accepts, the witnesses it
 * knows and the quorum of them a checkpoint needs.
 *
 *   log <vkey> [<url>]
 *   witness <name> <vkey> [<url>]
 *   group <name> all|any|<k> <member>...
 *   quorum <name>|none
 *
 * Names are defined before they are used (so groups cannot be circular), each member is listed once
 * per group, duplicate keys are refused, exactly one quorum line. Witness keys are Ed25519
 * cosignature keys (type 0x04); log keys are Ed25519 note keys (type 0x01) named for the log's origin.
 */
export const POLICY_MAX_BYTES = 65_536;
/** The spec asks implementations to support at least 32 of each; this one refuses more than 64. */
export const POLICY_MAX_ITEMS = 64;

export interface PolicyWitness {
  name: string;
  verifier: CosignatureVerifier;
  url: string | null;
}

export interface PolicyGroup {
  name: string;
  threshold: number;
  members: string[];
}

export interface WitnessPolicy {
  logs: Array<{ verifier: NoteVerifier; url: string | null }>;
  witnesses: PolicyWitness[];
  groups: PolicyGroup[];
  /** The witness or group whose witnessing makes a checkpoint valid; "none" when no cosignature is needed. */
  quorum: string;
}

export class PolicyError extends TypeError {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

const WHITESPACE = /[ \t]+/;

function checkUrl(url: string | undefined, line: number): string | null {
  if (url === undefined) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PolicyError(`${JSON.stringify(url.slice(0, 200))} is not a URL`, line);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new PolicyError("a URL is http or https", line);
  if (parsed.username || parsed.password) throw new PolicyError("a URL carries no user name or password", line);
  return url;
}

/** Parses a policy file; throws a PolicyError naming the line and what is wrong. */
export function parseWitnessPolicy(text: string): WitnessPolicy {
  if (Buffer.byteLength(text, "utf8") > POLICY_MAX_BYTES) throw new PolicyError(`a policy is at most ${POLICY_MAX_BYTES} bytes`, 1);
  const policy: WitnessPolicy = { logs: [], witnesses: [], groups: [], quorum: "" };
  const names = new Set<string>(["none"]);
  const keys = new Set<string>();
  let quorumLine = 0;
  text.split("\n").forEach((raw, i) => {
    const n = i + 1;
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(raw.replace(/\r$/, ""))) throw new PolicyError("the only control characters a policy may hold are tab and newline", n);
    const line = raw.replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#")) return;
    const [keyword, ...args] = line.split(WHITESPACE);
    const fresh = (name: string | undefined): string => {
      if (!name) throw new PolicyError(`${keyword} needs a name`, n);
      if (names.has(name)) throw new PolicyError(name === "none" ? "the name none is predefined" : `${JSON.stringify(name)} is already defined`, n);
      names.add(name);
      return name;
    };
    const newKey = (publicKey: Buffer) => {
      const id = publicKey.toString("hex");
      if (keys.has(id)) throw new PolicyError("this key is already listed (a duplicate log or witness)", n);
      keys.add(id);
    };
    switch (keyword) {
      case "log": {
        if (args.length < 1 || args.length > 2) throw new PolicyError("reads: log <vkey> [<url>]", n);
        let verifier: NoteVerifier;
        try {
          verifier = parseVerifierKey(args[0] as string);
        } catch (error) {
          throw new PolicyError(`the log key: ${(error as Error).message}`, n);
        }
        newKey(verifier.publicKey);
        policy.logs.push({ verifier, url: checkUrl(args[1], n) });
        break;
      }
      case "witness": {
        if (args.length < 2 || args.length > 3) throw new PolicyError("reads: witness <name> <vkey> [<url>]", n);
        const name = fresh(args[0]);
        let verifier: CosignatureVerifier;
        try {
          verifier = parseCosignatureVerifierKey(args[1] as string);
        } catch (error) {
          throw new PolicyError(`witness ${name}'s key: ${(error as Error).message}`, n);
        }
        newKey(verifier.publicKey);
        policy.witnesses.push({ name, verifier, url: checkUrl(args[2], n) });
        break;
      }
      case "group": {
        const [nameArg, thresholdText, ...members] = args;
        if (!thresholdText || members.length === 0) throw new PolicyError("reads: group <name> all|any|<k> <member>...", n);
        const seen = new Set<string>();
        for (const member of members) {
          if (member === "none") throw new PolicyError("none cannot be a group member", n);
          if (!names.has(member)) throw new PolicyError(`${JSON.stringify(member)} is not defined on an earlier line`, n);
          if (seen.has(member)) throw new PolicyError(`${JSON.stringify(member)} is listed twice`, n);
          seen.add(member);
        }
        let threshold: number;
        if (thresholdText === "all") threshold = members.length;
        else if (thresholdText === "any") threshold = 1;
        else if (/^[1-9][0-9]{0,3}$/.test(thresholdText)) threshold = Number(thresholdText);
        else throw new PolicyError(`the threshold is all, any or a number, not ${JSON.stringify(thresholdText.slice(0, 40))}`, n);
        if (threshold > members.length) throw new PolicyError(`a threshold of ${threshold} out of ${members.length} members can never be met`, n);
        policy.groups.push({ name: fresh(nameArg), threshold, members });
        break;
      }
      case "quorum": {
        if (args.length !== 1) throw new PolicyError("reads: quorum <name>", n);
        if (quorumLine) throw new PolicyError(`a second quorum line (the first is line ${quorumLine})`, n);
        if (!names.has(args[0] as string)) throw new PolicyError(`${JSON.stringify(args[0])} is not defined on an earlier line`, n);
        policy.quorum = args[0] as string;
        quorumLine = n;
        break;
      }
      default:
        throw new PolicyError(`unknown line ${JSON.stringify((keyword ?? "").slice(0, 40))}: a policy has log, witness, group and quorum lines`, n);
    }
    if (policy.logs.length > POLICY_MAX_ITEMS || policy.witnesses.length > POLICY_MAX_ITEMS || policy.groups.length > POLICY_MAX_ITEMS) {
      throw new PolicyError(`at most ${POLICY_MAX_ITEMS} logs, witnesses and groups each`, n);
    }
  });
  if (!quorumLine) throw new PolicyError("a policy has exactly one quorum line (quorum none when no witness is needed)", text.split("\n").length);
  return policy;
}

/** Whether the witnesses named in `cosignedBy` (witness names of the policy) meet the policy's quorum. */
export function quorumMet(policy: WitnessPolicy, cosignedBy: ReadonlySet<string>): boolean {
  const groups = new Map(policy.groups.map((g) => [g.name, g]));
  const witnessed = (name: string): boolean => {
    if (name === "none") return true;
    const group = groups.get(name);
    if (!group) return cosignedBy.has(name);
    return group.members.filter(witnessed).length >= group.threshold;
  };
  return witnessed(policy.quorum);
}

/** The quorum in words: "witness w1", "2 of w1, w2, w3", "none". */
export function describeQuorum(policy: WitnessPolicy): string {
  const groups = new Map(policy.groups.map((g) => [g.name, g]));
  const describe = (name: string): string => {
    const group = groups.get(name);
    if (!group) return name === "none" ? "none" : `witness ${name}`;
    const members = group.members.map((m) => (groups.has(m) ? `(${describe(m)})` : m)).join(", ");
    return group.threshold === group.members.length && group.members.length > 1 ? `all of ${members}` : `${group.threshold} of ${members}`;
  };
  return describe(policy.quorum);
}

/** The policy's witnesses that validly cosigned `note`, by policy name (a known witness's bad line throws). */
export function cosignedWitnesses(policy: WitnessPolicy, verified: ReadonlyArray<{ vkey: string }>): Set<string> {
  return new Set(policy.witnesses.filter((w) => verified.some((v) => v.vkey === w.verifier.vkey)).map((w) => w.name));
}
