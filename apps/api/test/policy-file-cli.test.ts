import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../packages/cli/src/cli.ts";
import { call, startApp, stopApp } from "./helpers";

// One set, two writers: the console's editor (an org without a draft starts from its active set) and
// `gatehouse policies export` write the same text, so a file goes from one to the other unchanged.

let app: FastifyInstance;
let baseUrl: string;

beforeAll(async () => {
  app = await startApp();
  baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
});
afterAll(async () => {
  await stopApp(app);
});

/** Runs the CLI against the real API with `files` as its file system; answers what it printed on stdout. */
async function cli(org: TestOrg, argv: string[], files: Record<string, string> = {}): Promise<string> {
  let out = "";
  let err = "";
  const code = await main({
    argv,
    env: { GATEHOUSE_API_KEY: org.adminKey.apiKey, GATEHOUSE_BASE_URL: baseUrl },
    fetch: (input, init) => fetch(input, init),
    readFile: async (path) => files[path] ?? Promise.reject(new Error(`ENOENT: ${path}`)),
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
  });
  expect(code, err).toBe(0);
  return out;
}

/** Written as people write it, in an order of their own: nested conditions, an approval with every field, tests. */
const SET = `tests:
  - expect: { policy: review-merges, effect: require_approval }
    request: { metadata: { pr_size: 80 }, actionType: pr.merge }
    name: big merges wait
policies:
  - effect: require_approval
    name: review-merges
    mode: enforce
    actions: [pr.merge]
    approval: { excludeAgentOwner: true, approverRoles: [admin], timeoutSeconds: 600, quorum: 2 }
    when:
      any:
        - { value: 50, op: gt, field: metadata.pr_size }
        - not: { value: core, op: eq, field: agent.labels.team }
        - rate: { per: agent, windowSeconds: 60, over: 5 }
  - { effect: deny, actions: ["*.delete"], name: no-deletes, description: "Deleting anything: no" }
`;

describe("a policy file written by the CLI and by the console's editor", () => {
  it("is the same text for the same set: the editor's starting source and gatehouse policies export --format yaml", async () => {
    const org = await createTestOrg({ label: "policy-file-cli" });
    await cli(org, ["policies", "apply", "set.yaml"], { "set.yaml": SET });
    const draft = await call(app, "GET", "/v1/admin/policies/draft", { key: org.adminKey.apiKey });
    expect(draft.statusCode).toBe(200);
    const editor = (draft.json() as { source: string; revision: number }).source;
    const exported = await cli(org, ["policies", "export", "--format", "yaml"]);
    expect(exported).toBe(editor);
    // And the text is the editor's style: keys in the order people write them, small conditions in flow style.
    expect(editor).toContain("        - { rate: { over: 5, windowSeconds: 60, per: agent } }\n");
    expect(editor).toContain("    approval:\n      quorum: 2\n      timeoutSeconds: 600\n      approverRoles: [ admin ]\n");
  });
});
