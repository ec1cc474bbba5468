import { partitionScenario } from "./partition-scenario";

// Each API process reaches PostgreSQL through its own HAProxy port, straight to PostgreSQL.
partitionScenario("direct");
