// The import boundaries of eslint.config.js bite: sample imports are linted as if they were written
// in each room, and every package and app in the repository has boundary rules at all.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const BOUNDARY_RULES = new Set(["no-restricted-imports", "no-restricted-syntax"]);
const eslint = new ESLint({ cwd: ROOT });

/** The boundary messages ESLint gives `code` written at `file` (relative to the repository). */
async function boundaryMessages(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  if (!result) throw new Error(`ESLint returned no result for ${file}`);
  if (result.messages.some((message) => message.fatal)) throw new Error(`${file}: ${result.messages.map((m) => m.message).join("; ")}`);
  return result.messages.filter((message) => message.ruleId !== null && BOUNDARY_RULES.has(message.ruleId)).map((message) => message.message);
}

const forbidden: Array<[file: string, code: string]> = [
  ["packages/core/src/policy/sample.ts", `import { PrismaClient } from "@prisma/client";`],
  ["packages/core/src/policy/sample.ts", `import pg from "pg";`],
  ["packages/core/src/policy/sample.ts", `import Redis from "ioredis";`],
  ["packages/core/src/policy/sample.ts", `import Fastify from "fastify";`],
  ["packages/core/src/policy/sample.ts", `import { NextResponse } from "next/server";`],
  ["packages/core/src/policy/sample.ts", `import { useState } from "react";`],
  ["packages/core/src/policy/sample.ts", `import { prisma } from "@gatehouse/db";`],
  ["packages/core/src/policy/sample.ts", `import type { DbContext } from "@gatehouse/db";`],
  ["packages/core/src/policy/sample.ts", `export { Gatehouse } from "@gatehouse/sdk";`],
  ["packages/core/src/policy/sample.ts", `import { prisma } from "../../../db/src/infra/client.ts";`],
  ["packages/core/src/policy/sample.ts", `const db = await import("@gatehouse/db");`],
  ["packages/core/test/sample.test.ts", `import { createTestOrg } from "@gatehouse/db/testing";`],
  ["packages/tlog/src/sample.ts", `import { canonicalJson } from "@gatehouse/core";`],
  ["packages/tlog/src/sample.ts", `import { z } from "zod";`],
  ["packages/tlog/src/sample.ts", `import { sha256 } from "../../core/src/audit/hashing.ts";`],
  ["packages/tlog/test/sample.test.ts", `import { canonicalJson } from "@gatehouse/core";`],
  ["packages/sdk/src/sample.ts", `import { canonicalJson } from "@gatehouse/core";`],
  ["packages/sdk/src/sample.ts", `import { PERMISSIONS } from "@gatehouse/core/permissions";`],
  ["packages/sdk/src/sample.ts", `import { prisma } from "@gatehouse/db";`],
  ["packages/sdk/src/sample.ts", `import pg from "pg";`],
  ["packages/sdk/src/sample.ts", `import { canonicalJson } from "../../core/src/audit/canonical-json.ts";`],
  ["packages/sdk/src/sample.ts", `const Redis = require("ioredis");`],
  ["packages/sdk/src/sample.ts", `import { RE2JS } from "re2js";`],
  ["packages/integrations/ai-sdk/src/sample.ts", `import { canonicalize } from "@gatehouse/core";`],
  ["packages/integrations/mcp/src/sample.ts", `import { decideAction } from "@gatehouse/db";`],
  ["packages/integrations/langchain/src/sample.ts", `import { Gatehouse } from "../../../sdk/src/index.ts";`],
  ["packages/integrations/openai-agents/src/sample.ts", `import pg from "pg";`],
  ["packages/contracts/src/sample.ts", `import { prisma } from "@gatehouse/db";`],
  ["packages/contracts/src/sample.ts", `import { Prisma } from "@prisma/client";`],
  ["packages/contracts/src/sample.ts", `import type { FastifyRequest } from "fastify";`],
  ["packages/cli/src/sample.ts", `import { prisma } from "@gatehouse/db";`],
  ["packages/cli/src/sample.ts", `import pg from "pg";`],
  ["packages/db/src/decisions/sample.ts", `import { buildServer } from "@gatehouse/api";`],
  ["packages/db/src/decisions/sample.ts", `import { buildServer } from "../../../../apps/api/src/server.ts";`],
  ["packages/db/src/decisions/sample.ts", `import type { FastifyRequest } from "fastify";`],
  ["apps/api/src/sample.ts", `import { auth } from "@gatehouse/web";`],
  ["apps/api/src/sample.ts", `import { auth } from "../../web/src/auth.ts";`],
  ["apps/api/src/sample.ts", `import { run } from "@gatehouse/worker";`],
  ["apps/web/src/server/sample.ts", `import { buildServer } from "@gatehouse/api";`],
  ["apps/web/src/server/sample.ts", `import { buildServer } from "../../../api/src/server.ts";`],
  ["apps/worker/src/sample.ts", `import { buildServer } from "@gatehouse/api";`],
  ["apps/worker/src/sample.ts", `import { auth } from "@gatehouse/web";`],
];

const allowed: Array<[file: string, code: string]> = [
  ["packages/core/src/policy/sample.ts", `import { z } from "zod";`],
  ["packages/core/src/policy/sample.ts", `import { RE2JS } from "re2js";`],
  ["packages/core/src/policy/sample.ts", `import { leafHash } from "@gatehouse/tlog";`],
  ["packages/core/src/policy/sample.ts", `import { createHash } from "node:crypto";`],
  ["packages/core/src/policy/sample.ts", `import { newId } from "../ids.ts";`],
  ["packages/tlog/src/sample.ts", `import { createHash } from "node:crypto";`],
  ["packages/tlog/src/sample.ts", `import { leafHash } from "./hash.ts";`],
  ["packages/sdk/src/sample.ts", `import { verifyBundle } from "@gatehouse/tlog";`],
  ["packages/sdk/src/sample.ts", `import { readFile } from "node:fs/promises";`],
  ["packages/sdk/src/sample.ts", `import { findInValue } from "@gatehouse/core/model-traffic";`],
  ["packages/sdk/src/sample.ts", `import { applyChanges } from "@gatehouse/core/rewrite-changes";`],
  ["packages/contracts/src/sample.ts", `import { z } from "zod";`],
  ["packages/contracts/src/sample.ts", `import { parsePolicyDocument } from "@gatehouse/core";`],
  ["packages/cli/src/sample.ts", `import { Gatehouse } from "@gatehouse/sdk";`],
  ["packages/integrations/ai-sdk/src/sample.ts", `import { describeToolCall } from "@gatehouse/sdk";`],
  ["packages/integrations/mcp/src/sample.ts", `import { Client } from "@modelcontextprotocol/sdk/client/index.js";`],
  ["packages/db/src/decisions/sample.ts", `import { PrismaClient } from "@prisma/client";`],
  ["packages/db/src/decisions/sample.ts", `import { canonicalJson } from "@gatehouse/core";`],
  ["apps/api/src/sample.ts", `import { decideAction } from "@gatehouse/db";`],
  ["apps/api/src/sample.ts", `import Fastify from "fastify";`],
  ["apps/api/test/sample.test.ts", `import { Gatehouse } from "../../../packages/sdk/src/index.ts";`],
  ["apps/web/src/server/sample.ts", `import { decideApproval } from "@gatehouse/db";`],
  ["apps/web/src/server/sample.ts", `import { NextResponse } from "next/server";`],
  ["apps/web/src/server/sample.ts", `import { auditPage } from "@/lib/audit";`],
  ["apps/worker/src/sample.ts", `import { expireDueApprovals } from "@gatehouse/db";`],
];

describe("import boundaries", () => {
  it.each(forbidden)("%s may not: %s", async (file, code) => {
    expect(await boundaryMessages(file, code)).not.toEqual([]);
  });

  it.each(allowed)("%s may: %s", async (file, code) => {
    expect(await boundaryMessages(file, code)).toEqual([]);
  });

  const rooms = ["packages", "packages/integrations", "apps"].flatMap((parent) =>
    readdirSync(join(ROOT, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(ROOT, parent, entry.name, "package.json")))
      .map((entry) => `${parent}/${entry.name}`),
  );

  it("finds the rooms of the repository", () => {
    expect(rooms).toEqual(expect.arrayContaining(["packages/core", "packages/tlog", "packages/db", "packages/sdk", "packages/integrations/mcp", "apps/api", "apps/web"]));
  });

  it.each(rooms)("%s has boundary rules", async (room) => {
    const config = (await eslint.calculateConfigForFile(join(ROOT, room, "src/index.ts"))) as { rules?: Record<string, unknown> };
    expect(config.rules?.["no-restricted-imports"]).toEqual([2, expect.objectContaining({ patterns: expect.any(Array) })]);
  });
});
