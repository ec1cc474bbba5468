import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Files started before all others, in this order: the longest, which start whole stacks, so they run beside the quick
 * files of the two-worker phase rather than at its end beside each other (issue 63: with Vitest's order, by project
 * name, `npm start`'s smoke test and the compose test ran side by side at the end and took 270 s and 148 s, against
 * 175 s and 65 s apart).
 */
export const FIRST_FILES = ["scripts/test/start.smoke.test.ts"];

/** Vitest's order (group, then project, larger or slower files first), with FIRST_FILES moved to the front of their group. */
export default class FirstFilesSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => FIRST_FILES.findIndex((file) => spec.moduleId.endsWith(`/${file}`));
    const first = sorted.filter((spec) => rank(spec) >= 0).sort((a, b) => rank(a) - rank(b));
    return [...first, ...sorted.filter((spec) => rank(spec) < 0)];
  }
}
