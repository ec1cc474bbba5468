// Every rendered object checked against Kubernetes' OpenAPI schemas (kubernetes-models: the schemas of
// Kubernetes 1.33 compiled to validators), and against the API server's rules on names and labels, which
// the schemas do not carry. No cluster is needed.
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Job } from "kubernetes-models/batch/v1/Job";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { DNS_LABEL, DNS_SUBDOMAIN } from "./values";

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** The kinds the manifests may hold, each with the model that validates it. A kind not listed is a problem, not a pass. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "apps/v1 Deployment": Deployment,
  "apps/v1 StatefulSet": StatefulSet,
  "autoscaling/v2 HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "batch/v1 Job": Job,
  "networking.k8s.io/v1 Ingress": Ingress,
  "networking.k8s.io/v1 NetworkPolicy": NetworkPolicy,
  "policy/v1 PodDisruptionBudget": PodDisruptionBudget,
  "v1 ConfigMap": ConfigMap,
  "v1 Service": Service,
  "v1 ServiceAccount": ServiceAccount,
};

/** A Service's name is also a DNS label of its own (RFC 1035): it starts with a letter. */
const DNS_1035_LABEL = /^(?=.{1,63}$)[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/** What is wrong with one object, each problem a line naming the object; none when it is valid. */
export function problemsOf(object: ManifestObject): string[] {
  const id = `${object.kind ?? "?"} ${object.metadata?.name ?? "(no name)"}`;
  const Model = MODELS[`${object.apiVersion} ${object.kind}`];
  if (!Model) return [`${id}: no schema for ${object.apiVersion} ${object.kind}`];
  const problems: string[] = [];
  try {
    new Model(structuredClone(object) as never).validate();
  } catch (error) {
    problems.push(`${id}: ${(error as Error).message}`);
  }
  const name = object.metadata?.name ?? "";
  if (!DNS_SUBDOMAIN.test(name)) problems.push(`${id}: metadata.name must be a lower-case RFC 1123 subdomain`);
  if (object.kind === "Service" && !DNS_1035_LABEL.test(name)) problems.push(`${id}: a Service's name must be an RFC 1035 label`);
  if (object.metadata?.namespace !== undefined && !DNS_LABEL.test(object.metadata.namespace)) problems.push(`${id}: metadata.namespace must be an RFC 1123 label`);
  for (const labels of labelSets(object)) {
    for (const [key, value] of Object.entries(labels)) {
      if (!LABEL_NAME.test(key) || key.length > 316) problems.push(`${id}: label key "${key}" is not a valid label name`);
      if (!LABEL_VALUE.test(value)) problems.push(`${id}: label ${key}="${value}" is not a valid label value`);
    }
  }
  return problems;
}

/** Every label map in the object: its own, its selectors' and its pod template's. */
function labelSets(value: unknown): Record<string, string>[] {
  if (Array.isArray(value)) return value.flatMap(labelSets);
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    (key === "labels" || key === "matchLabels") && typeof inner === "object" && inner !== null ? [inner as Record<string, string>, ...labelSets(inner)] : labelSets(inner),
  );
}
