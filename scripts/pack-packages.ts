// `npm run pack:packages`: the packages a user installs, as npm would publish them, into dist/packages/
// (emptied first, so it holds one tarball of each): the packages built through turbo (so the tarballs are complete
// even in a fresh clone), then `npm pack` in packages/sdk, packages/cli and each adapter in packages/integrations/.
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
// Built first, all at once, through turbo: a clone without builds builds them (each package's own `build`), and one
// whose sources turbo has built before (CI's packages stage) gets them from its cache instead of building again.
// Then packed without the packages' prepack, which would build each once more.
const built = spawnSync(join(root, "node_modules", ".bin", "turbo"), ["run", "build", ...packages.map((dir) => `--filter=./${dir}`), "--output-logs=errors-only"], {
  cwd: root,
  stdio: ["ignore", "inherit", "inherit"],
});
if (built.status !== 0) process.exit(built.status ?? 1);
for (const dir of packages) {
  const packed = spawnSync("npm", ["pack", "--ignore-scripts", "--pack-destination", out], { cwd: join(root, dir), stdio: ["ignore", "inherit", "inherit"] });
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
