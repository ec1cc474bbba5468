import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Workspace packages ship raw TypeScript (ESM, extensionless relative imports).
  transpilePackages: ["@gatehouse/db", "@gatehouse/core", "@gatehouse/tlog"],
  // Prisma's runtime and the pg driver stay plain Node modules, loaded at run time.
  serverExternalPackages: ["@prisma/client", "@prisma/adapter-pg", "pg"],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
