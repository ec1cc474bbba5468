export { advisoryLeaderLock, JOBS_LOCK_KEY, type LeaderLock } from "./leader-lock";
export { startJobRunner, type Job, type JobLog, type JobRunner, type JobRunnerOptions } from "./runner";
export { backgroundJobs } from "./background-jobs";
