// `npm run version-packages`: the release step before the tag (docs/adr/0019-release-and-publishing.md).
// `changeset version` turns the files in .changeset/ into new versions of @gatehouse/sdk and
// @gatehouse/cli (one version for both) and their CHANGELOG.md entries; then the SDK's VERSION constant
// (sent as `x-gatehouse-sdk`) and package-lock.json follow the new version. Commit, tag `v<version>`, push the tag.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run("npx", ["changeset", "version"]);
const { version } = JSON.parse(readFileSync(join(root, "packages/sdk/package.json"), "utf8")) as { version: string };
const file = join(root, "packages/sdk/src/version.ts");
writeFileSync(file, readFileSync(file, "utf8").replace(/VERSION = "[^"]*"/, `VERSION = ${JSON.stringify(version)}`));
run("npm", ["install", "--package-lock-only", "--no-audit", "--no-fund"]);
console.log(`\nVersion ${version}. Review and commit, then: git tag v${version} && git push origin v${version}`);
