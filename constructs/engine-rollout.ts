import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import type { IRollout } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout';
import type { IPodTemplateSpec } from 'kubernetes-models/v1';
import { CanaryPolicy } from './environment-spec';
import { ENGINE_NAME, goDuration, Track, TRACK_LABEL } from './identity';

export interface EngineRolloutProps {
  readonly namespace: string;
  readonly replicas: number;
  readonly selector: Readonly<Record<string, string>>;
  readonly template: IPodTemplateSpec;
  readonly canary: CanaryPolicy;
  readonly stableServiceName: string;
  readonly canaryServiceName: string;
}

type CanaryStrategy = NonNullable<NonNullable<IRollout['spec']['strategy']>['canary']>;

/**
 * The engine as an Argo Rollouts Rollout with a canary strategy.
 * @see https://argo-rollouts.readthedocs.io/en/stable/features/specification/
 */
export class EngineRollout extends Construct {
  public static readonly API_VERSION = 'argoproj.io/v1alpha1';
  public static readonly KIND = 'Rollout';

  public readonly name = ENGINE_NAME;
  /** Seconds an aborted canary's pods stay up for diagnosis. */
  public readonly abortScaleDownDelaySeconds: number;
  public readonly progressDeadlineSeconds: number;

  public constructor(scope: Construct, id: string, props: EngineRolloutProps) {
    super(scope, id);
    this.abortScaleDownDelaySeconds = (props.canary.abortScaleDownDelay ?? Duration.seconds(30)).toSeconds();
    this.progressDeadlineSeconds = (props.canary.progressDeadline ?? Duration.minutes(10)).toSeconds();

    const canary: CanaryStrategy = {
      canaryService: props.canaryServiceName,
      stableService: props.stableServiceName,
      canaryMetadata: { labels: { [TRACK_LABEL]: Track.CANARY } },
      stableMetadata: { labels: { [TRACK_LABEL]: Track.STABLE } },
      abortScaleDownDelaySeconds: this.abortScaleDownDelaySeconds,
      steps: props.canary.steps.flatMap((step) => [
        { setWeight: step.weight },
        { pause: step.pause === undefined ? {} : { duration: goDuration(step.pause) } },
      ]),
    };

    new ApiObject(this, 'Resource', {
      apiVersion: EngineRollout.API_VERSION,
      kind: EngineRollout.KIND,
      metadata: { name: this.name, namespace: props.namespace },
      spec: {
        replicas: props.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: { ...props.selector } },
        template: props.template as NonNullable<IRollout['spec']['template']>,
        progressDeadlineSeconds: this.progressDeadlineSeconds,
        progressDeadlineAbort: true,
        strategy: { canary },
      } satisfies IRollout['spec'],
    });
  }
}
