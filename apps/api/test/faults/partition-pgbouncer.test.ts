import { partitionScenario } from "./partition-scenario";

// Each API process reaches, through its own HAProxy port, one PgBouncer in transaction mode in front of PostgreSQL.
partitionScenario("pgbouncer");
