import { inject } from "vitest";

// Runs in each test worker before any module reads the environment.
process.env.DATABASE_URL = inject("databaseUrl");
// Integration tests run against real Redis too (the local one unless REDIS_URL says otherwise).
process.env.REDIS_URL ??= "redis://127.0.0.1:6379";
