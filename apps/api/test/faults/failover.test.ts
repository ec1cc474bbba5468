import { failoverScenario } from "./failover-scenario";

// The API processes reach the Patroni cluster through HAProxy directly (session mode).
failoverScenario("haproxy");
