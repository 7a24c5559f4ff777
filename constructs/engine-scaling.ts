import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IHorizontalPodAutoscalerSpec } from 'kubernetes-models/autoscaling/v2';
import type { IPodDisruptionBudgetSpec } from 'kubernetes-models/policy/v1';
import { AutoscalingSpec } from './environment-spec';
import { ENGINE_NAME } from './identity';

export interface ScaleTarget {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
}

export interface EngineScalingProps {
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
  readonly target: ScaleTarget;
  readonly autoscaling: AutoscalingSpec;
  /** @default 1 */
  readonly maxUnavailable?: number;
}

/** Default CPU utilization target of the autoscaler, in percent of the request. */
export const DEFAULT_TARGET_CPU_UTILIZATION = 70;

/**
 * A PodDisruptionBudget over every engine pod (stable and canary) and a
 * HorizontalPodAutoscaler on the workload.
 * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/
 */
export class EngineScaling extends Construct {
  public readonly maxUnavailable: number;
  public readonly targetCpuUtilization: number;

  public constructor(scope: Construct, id: string, props: EngineScalingProps) {
    super(scope, id);
    this.maxUnavailable = props.maxUnavailable ?? 1;
    this.targetCpuUtilization = props.autoscaling.targetCpuUtilization ?? DEFAULT_TARGET_CPU_UTILIZATION;

    new ApiObject(this, 'Budget', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: ENGINE_NAME, namespace: props.namespace },
      spec: {
        maxUnavailable: this.maxUnavailable,
        selector: { matchLabels: { ...props.selector } },
        // A crash-looping pod serves nothing; it must not block node drains.
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      } satisfies IPodDisruptionBudgetSpec,
    });

    new ApiObject(this, 'Autoscaler', {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: ENGINE_NAME, namespace: props.namespace },
      spec: {
        scaleTargetRef: { ...props.target },
        minReplicas: props.autoscaling.minReplicas,
        maxReplicas: props.autoscaling.maxReplicas,
        metrics: [{
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: this.targetCpuUtilization } },
        }],
        // Scale up at once, scale down slowly: traffic spikes come back.
        behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
      } satisfies IHorizontalPodAutoscalerSpec,
    });
  }
}
