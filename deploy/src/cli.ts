// `npm run deploy:render` writes deploy/rendered/<variant>/ for every variant kept in the repository;
// `npm run deploy:check` (CI) fails when one of them is stale, naming the command that refreshes it.
// A team renders its own installation from its own value files, laid on the defaults in order:
//   npm run deploy:render -- --values deploy/values/external-database.json --values ours.json --out ../infra/gatehouse
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { applySteps, renderFiles, renderObjects, valuesFrom, VARIANTS } from "./render";

const { values: options } = parseArgs({
  options: { check: { type: "boolean", default: false }, values: { type: "string", multiple: true, default: [] }, out: { type: "string" } },
});

/** Each folder to write, with its files. */
function folders(): Array<{ dir: string; files: Record<string, string>; steps: string[] }> {
  if (options.out !== undefined || options.values.length > 0) {
    if (options.out === undefined) throw new Error("--values needs --out: the folder to write the manifests into");
    const rendered = renderObjects(valuesFrom(options.values));
    const source = options.values.length > 0 ? `deploy/values/default.json and ${options.values.join(", ")}` : "deploy/values/default.json";
    return [{ dir: options.out, files: renderFiles(rendered, source), steps: applySteps(rendered.values, options.out) }];
  }
  return Object.entries(VARIANTS).map(([variant, layers]) => {
    const rendered = renderObjects(valuesFrom(layers));
    const dir = `deploy/rendered/${variant}`;
    return { dir, files: renderFiles(rendered, ["deploy/values/default.json", ...layers].join(" and ")), steps: applySteps(rendered.values, dir) };
  });
}

try {
  const rendered = folders();
  if (options.check) {
    const stale = rendered
      .flatMap(({ dir, files }) => Object.entries(files).map(([file, text]) => ({ path: join(dir, file), text })))
      .filter(({ path, text }) => {
        try {
          return readFileSync(path, "utf8") !== text;
        } catch {
          return true;
        }
      })
      .map(({ path }) => path);
    for (const path of stale) console.error(`${path} is stale: the charts or the values changed. Run \`npm run deploy:render\` and commit the result.`);
    if (stale.length > 0) process.exit(1);
    console.log(`${rendered.map(({ dir }) => dir).join(" and ")} match the charts and the values`);
  } else {
    for (const { dir, files, steps } of rendered) {
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        writeFileSync(join(dir, file), text);
      }
      console.log(`wrote ${dir}; to install or upgrade:\n${steps.map((step) => `  ${step}`).join("\n")}`);
    }
  }
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
