// `npm run openapi` writes docs/openapi.json from the contracts; `npm run openapi:check` (CI) fails when
// the checked-in copy is stale, naming the command that refreshes it.
import { readFileSync, writeFileSync } from "node:fs";
import { openApiDocument } from "@gatehouse/contracts";

const FILE = "docs/openapi.json";
const text = `${JSON.stringify(openApiDocument(), null, 2)}\n`;

if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(FILE, "utf8");
  } catch {
    // Missing counts as stale.
  }
  if (current !== text) {
    console.error(`${FILE} is stale: the contracts changed. Run \`npm run openapi\` and commit the result.`);
    process.exit(1);
  }
  console.log(`${FILE} matches the contracts`);
} else {
  writeFileSync(FILE, text);
  console.log(`wrote ${FILE}`);
}
