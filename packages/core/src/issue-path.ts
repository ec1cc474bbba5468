/** `policies[2].actions[0]`: the path a person can find in their file. Zod-free, so the SDK's bundled screen can use it. */
export function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, key) => (typeof key === "number" ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), "");
}
