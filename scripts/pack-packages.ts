// `npm run pack:packages`: the packages a user installs, as npm would publish them, into dist/packages/
// (emptied first, so it holds one tarball of each): `npm pack` in packages/sdk, packages/cli and each
// adapter in packages/integrations/, which runs each package's `prepack` (its build), so the tarballs
// are complete even in a fresh clone.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const out = join(root, "dist", "packages");
const packages = [
  "packages/sdk",
  "packages/cli",
  ...["ai-sdk", "openai-agents", "langchain", "mcp", "openai", "anthropic", "google-genai", "mistral"].map((name) => `packages/integrations/${name}`),
];

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const dir of packages) {
  const packed = spawnSync("npm", ["pack", "--pack-destination", out], { cwd: join(root, dir), stdio: ["ignore", "inherit", "inherit"] });
  if (packed.status !== 0) process.exit(packed.status ?? 1);
}

const tarballs = readdirSync(out).filter((file) => file.endsWith(".tgz"));
if (tarballs.length !== packages.length) {
  console.error(`expected ${packages.length} tarballs in ${out}, found: ${tarballs.join(", ") || "none"}`);
  process.exit(1);
}
console.log(`\nPacked into ${out}:\n${tarballs.map((file) => `  ${file}`).join("\n")}`);
console.log(`Install what you use in a project of yours (README: "Using the SDK and the CLI outside this repository"), e.g.:`);
console.log(
  `  npm install ${tarballs
    .filter((file) => /^gatehouse-(sdk|cli)-/.test(file))
    .map((file) => join(out, file))
    .join(" ")}`,
);
