import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import type { IRollout } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout';
import type { IPodTemplateSpec } from 'kubernetes-models/v1';
import { ANALYSIS_ARGS } from '../monitoring/analysis-templates';
import { CanaryPolicy, RolloutStrategyKind } from './environment-spec';
import { ENGINE_NAME, goDuration, Track, TRACK_LABEL } from './identity';

/** Template names the Rollout runs, by when it runs them. */
export interface RolloutAnalysis {
  /** Before each weight increase, and before and after a blue-green promotion. */
  readonly step: readonly string[];
  /** For the whole canary. */
  readonly background: readonly string[];
  /** Seconds one analysis step takes: the blue-green scale-down delay must outlast it. */
  readonly stepSeconds: number;
}

export interface EngineRolloutProps {
  readonly namespace: string;
  readonly replicas: number;
  readonly selector: Readonly<Record<string, string>>;
  readonly template: IPodTemplateSpec;
  readonly strategy: RolloutStrategyKind;
  readonly canary: CanaryPolicy;
  readonly analysis: RolloutAnalysis;
  /** Canary: the stable and canary Services. Blue-green: the active and preview Services. */
  readonly services: { readonly primary: string; readonly secondary: string };
}

type Strategy = NonNullable<IRollout['spec']['strategy']>;
type CanaryStrategy = NonNullable<Strategy['canary']>;
type BlueGreenStrategy = NonNullable<Strategy['blueGreen']>;

/** The canary's pod template hash and the namespace, resolved by Argo Rollouts at run time. */
const ANALYSIS_ARG_VALUES = [
  { name: ANALYSIS_ARGS.canaryHash, valueFrom: { podTemplateHashValue: 'Latest' as const } },
  { name: ANALYSIS_ARGS.namespace, valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
];

function analysisRef(templates: readonly string[]) {
  return { templates: templates.map((templateName) => ({ templateName })), args: ANALYSIS_ARG_VALUES };
}

/**
 * The engine as an Argo Rollouts Rollout: a canary with analysis before each
 * weight increase and in the background, or blue-green with pre- and
 * post-promotion analysis. A failed analysis aborts and rolls back on its own.
 * @see https://argo-rollouts.readthedocs.io/en/stable/features/specification/
 */
export class EngineRollout extends Construct {
  public static readonly API_VERSION = 'argoproj.io/v1alpha1';
  public static readonly KIND = 'Rollout';

  public readonly name = ENGINE_NAME;
  /** Seconds an aborted preview's pods stay up for diagnosis (blue-green). */
  public readonly abortScaleDownDelaySeconds: number;
  public readonly progressDeadlineSeconds: number;

  public constructor(scope: Construct, id: string, props: EngineRolloutProps) {
    super(scope, id);
    this.abortScaleDownDelaySeconds = (props.canary.abortScaleDownDelay ?? Duration.seconds(30)).toSeconds();
    this.progressDeadlineSeconds = (props.canary.progressDeadline ?? Duration.minutes(10)).toSeconds();
    const strategy: Strategy = props.strategy === RolloutStrategyKind.BLUE_GREEN
      ? { blueGreen: this.blueGreen(props) }
      : { canary: this.canary(props) };

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
        strategy,
      } satisfies IRollout['spec'],
    });
  }

  private canary(props: EngineRolloutProps): CanaryStrategy {
    return {
      stableService: props.services.primary,
      canaryService: props.services.secondary,
      canaryMetadata: { labels: { [TRACK_LABEL]: Track.CANARY } },
      stableMetadata: { labels: { [TRACK_LABEL]: Track.STABLE } },
      // No abortScaleDownDelaySeconds: without a traffic router the controller ignores it.
      // From the end of the first step on, for as long as the canary runs.
      analysis: { ...analysisRef(props.analysis.background), startingStep: 1 },
      steps: props.canary.steps.flatMap((step) => [
        { setWeight: step.weight },
        { pause: step.pause === undefined ? {} : { duration: goDuration(step.pause) } },
        { analysis: analysisRef(props.analysis.step) },
      ]),
    };
  }

  private blueGreen(props: EngineRolloutProps): BlueGreenStrategy {
    return {
      activeService: props.services.primary,
      previewService: props.services.secondary,
      activeMetadata: { labels: { [TRACK_LABEL]: Track.STABLE } },
      previewMetadata: { labels: { [TRACK_LABEL]: Track.CANARY } },
      // The preview needs traffic (smoke tests) to be judged; without it analysis is Inconclusive and the rollout waits.
      autoPromotionEnabled: true,
      prePromotionAnalysis: analysisRef(props.analysis.step),
      postPromotionAnalysis: analysisRef(props.analysis.step),
      // The old version stays up until post-promotion analysis is done, so an abort can switch straight back.
      scaleDownDelaySeconds: props.analysis.stepSeconds + 60,
      abortScaleDownDelaySeconds: this.abortScaleDownDelaySeconds,
    };
  }
}
