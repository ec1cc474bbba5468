import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Workspace packages ship raw TypeScript (ESM, extensionless relative imports).
  transpilePackages: ["@gatehouse/db", "@gatehouse/core", "@gatehouse/tlog"],
  // Prisma's runtime and the pg driver stay plain Node modules, loaded at run time; so does prom-client, whose one copy
  // the console's server (server.ts, which serves the metrics) shares with the pages (which record them).
  serverExternalPackages: ["@prisma/client", "@prisma/adapter-pg", "pg", "prom-client"],
  poweredByHeader: false,
  // Types are `npm run typecheck`'s, which CI runs on every change: it generates Next's route types first (`next
  // typegen`), so it checks what a build's own type check would. A build does not check them again (48 s of a
  // 2-core machine's first `npm start`), and every build of one tree is the same build: `npm start`'s, CI's and
  // Playwright's share turbo's cache.
  typescript: { ignoreBuildErrors: true },
  reactStrictMode: true,
};

export default nextConfig;
