import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { analysisTemplates, ANALYSIS_TEMPLATES, AnalysisSettings } from '../monitoring/analysis-templates';
import { SloSpec } from '../monitoring/slo';
import { RolloutAnalysis } from './engine-rollout';

export interface AnalysisTemplatesProps {
  readonly namespace: string;
  readonly slo: SloSpec;
  readonly settings: AnalysisSettings & { readonly intervalSeconds: number };
}

/**
 * The AnalysisTemplates of one environment, generated from its SLO: the canary
 * is judged by the SLIs that page on-call, on its own pods only.
 * @see https://argo-rollouts.readthedocs.io/en/stable/analysis/prometheus/
 */
export class AnalysisTemplates extends Construct {
  /** What the Rollout runs, by phase. */
  public readonly analysis: RolloutAnalysis;

  public constructor(scope: Construct, id: string, props: AnalysisTemplatesProps) {
    super(scope, id);
    for (const template of analysisTemplates(props.slo, props.settings)) {
      new ApiObject(this, template.name, {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AnalysisTemplate',
        metadata: { name: template.name, namespace: props.namespace },
        spec: template.spec,
      });
    }
    this.analysis = {
      step: [ANALYSIS_TEMPLATES.successRate, ANALYSIS_TEMPLATES.latency],
      background: [ANALYSIS_TEMPLATES.successRateBackground, ANALYSIS_TEMPLATES.latencyBackground, ANALYSIS_TEMPLATES.errorBudget],
      stepSeconds: props.settings.count * props.settings.intervalSeconds,
    };
  }
}
