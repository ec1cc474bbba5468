import { readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Makes this process the only `npm start` on a GATEHOUSE_HOME: two embedded databases on one data
 * directory would corrupt it. A lock left by a process that no longer runs is taken over.
 */
export async function lockHome(home: string): Promise<{ release: () => Promise<void> }> {
  const file = join(home, "start.pid");
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await writeFile(file, `${process.pid}\n`, { mode: 0o600, flag: "wx" });
      return { release: () => unlink(file).catch(() => {}) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = Number.parseInt(await readFile(file, "utf8").catch(() => ""), 10);
    if (Number.isInteger(holder) && holder > 0 && isRunning(holder)) {
      throw new Error(`another npm start (pid ${holder}) is using ${home}; stop it first, or set GATEHOUSE_HOME to another directory`);
    }
    await unlink(file).catch(() => {});
  }
  throw new Error(`could not take the lock ${file}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
