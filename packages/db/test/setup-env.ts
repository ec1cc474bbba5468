import { inject } from "vitest";

// Runs in each test worker before any module reads the environment.
process.env.DATABASE_URL = inject("databaseUrl");
