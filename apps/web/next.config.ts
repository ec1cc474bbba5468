import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Workspace packages ship raw TypeScript (ESM, extensionless relative imports).
  transpilePackages: ["@gatehouse/db", "@gatehouse/core", "@gatehouse/tlog"],
  // Prisma's runtime and the pg driver stay plain Node modules, loaded at run time; so does prom-client, whose one copy
  // the console's server (server.ts, which serves the metrics) shares with the pages (which record them). So do the
  // other Node-only libraries @gatehouse/db brings (Redis, mail, Slack, OpenTelemetry, YAML): bundled, each was compiled
  // into every server entry's chunk (issue 63: part of a first `npm start`'s build).
  serverExternalPackages: [
    "@prisma/client",
    "@prisma/adapter-pg",
    "pg",
    "prom-client",
    "ioredis",
    "nodemailer",
    "@slack/web-api",
    "@opentelemetry/api",
    "@opentelemetry/core",
    "@opentelemetry/exporter-metrics-otlp-http",
    "@opentelemetry/exporter-trace-otlp-http",
    "@opentelemetry/resources",
    "@opentelemetry/sdk-metrics",
    "@opentelemetry/sdk-trace",
    "yaml",
  ],
  poweredByHeader: false,
  // Types are `npm run typecheck`'s, which CI runs on every change: it generates Next's route types first (`next
  // typegen`), so it checks what a build's own type check would. A build does not check them again (48 s of a
  // 2-core machine's first `npm start`), and every build of one tree is the same build: `npm start`'s, CI's and
  // Playwright's share turbo's cache.
  typescript: { ignoreBuildErrors: true },
  reactStrictMode: true,
  // The server's code is not minified: it runs on the console's own long-lived server, never shipped to a browser or
  // cold-started per request, and minifying about 130 MB of server chunks was a quarter of the build (issue 63: 66 s →
  // 52 s for the build alone on a 2-core machine, bench/FIRST-START.md). The browser's code is minified as before.
  experimental: { serverMinification: false },
};

export default nextConfig;
