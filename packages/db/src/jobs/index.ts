export { JOBS_LEASE, LEASE_TTL_MS, leaseLeaderLock, type LeaderLock, type LeaseQuery } from "./leader-lock";
export { startJobRunner, type Election, type Job, type JobLog, type JobRunner, type JobRunnerOptions } from "./runner";
export { backgroundJobs } from "./background-jobs";
