/**
 * The only place this package reads `process.env`: the environment a server started behind the
 * proxy inherits. It is this process's (the variables an MCP client's configuration gives the proxy
 * are meant for the server behind it, a token for its API say) without Gatehouse's own
 * `GATEHOUSE_*`: the agent's key stays with the proxy, out of the reach of the server it governs.
 */
export function downstreamEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith("GATEHOUSE_")) env[name] = value;
  }
  return env;
}
