import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IDeploymentSpec } from 'kubernetes-models/apps/v1';
import type { IPodTemplateSpec } from 'kubernetes-models/v1';
import { CANARY_NAME, STABLE_NAME, Track, TRACK_LABEL } from './identity';

export interface EngineDeploymentsProps {
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
  readonly stable: TrackOptions;
  readonly canary: TrackOptions;
}

export interface TrackOptions {
  readonly replicas: number;
  readonly template: IPodTemplateSpec;
}

/**
 * For clusters without Argo Rollouts: a stable and a canary Deployment, told
 * apart by the `track` label, both behind the one root Service. Traffic splits
 * by replica count; `scripts/rollback.sh` scales the canary to zero.
 */
export class EngineDeployments extends Construct {
  public readonly stableName = STABLE_NAME;
  public readonly canaryName = CANARY_NAME;

  public constructor(scope: Construct, id: string, props: EngineDeploymentsProps) {
    super(scope, id);
    this.deployment('Stable', STABLE_NAME, Track.STABLE, props.stable, props);
    this.deployment('Canary', CANARY_NAME, Track.CANARY, props.canary, props);
  }

  private deployment(id: string, name: string, track: Track, options: TrackOptions, props: EngineDeploymentsProps): void {
    const selector = { ...props.selector, [TRACK_LABEL]: track };
    const template = options.template;
    new ApiObject(this, id, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: props.namespace, labels: { [TRACK_LABEL]: track } },
      spec: {
        replicas: options.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
        template: { ...template, metadata: { ...template.metadata, labels: { ...template.metadata?.labels, ...selector } } },
      } satisfies IDeploymentSpec,
    });
  }
}
