export { detectAnomalies, ANOMALY_ACTOR } from "./detect-anomalies";
