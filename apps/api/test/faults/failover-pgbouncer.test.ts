import { failoverScenario } from "./failover-scenario";

// The API processes reach HAProxy through PgBouncer in transaction mode with its stock start-up settings.
failoverScenario("pgbouncer");
