import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { CronJob } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, PodTemplateSpec, Service, ServiceAccount } from 'kubernetes-models/v1';

/** Core kinds search-ops emits, with the kubernetes-models class that validates each. */
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/CronJob': CronJob,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

export function isCoreKind(object: Record<string, any>): boolean {
  return `${object.apiVersion}/${object.kind}` in MODELS;
}

/** Throws with the schema's message when a core object is invalid. */
export function validateCoreObject(object: Record<string, any>): void {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (Model === undefined) throw new Error(`no core model for ${object.apiVersion}/${object.kind}`);
  new Model(object).validate();
}

/** Pod templates inside custom resources (a Rollout's) get the core PodTemplateSpec check too. */
export function validatePodTemplate(template: unknown): void {
  new PodTemplateSpec(template as any).validate();
}
