import { ApiObject, Names } from 'cdk8s';
import type { IPodTemplateSpec } from 'kubernetes-models/v1';
import { resolveSlo } from '../monitoring/slo';
import { AnalysisTemplates } from './analysis-templates';
import { analysisSettings } from './canary-analysis';
import { Construct } from 'constructs';
import { dependencyEndpoints } from './dependency-endpoints';
import { EngineDeployments } from './engine-deployments';
import { enginePodTemplate } from './engine-pod-template';
import { EngineRollout } from './engine-rollout';
import { EngineScaling, ScaleTarget } from './engine-scaling';
import { EngineService, ServicePurpose } from './engine-service';
import { EnvironmentSpec, ImageSpec, RolloutStrategyKind, WorkloadKind } from './environment-spec';
import { CANARY_NAME, ENGINE_NAME, METRICS_SERVICE_NAME, PART_OF, PREVIEW_NAME, SCRAPE_LABEL, STABLE_NAME } from './identity';
import { NetworkPolicies } from './network-policies';

export interface EngineWorkloadProps {
  readonly spec: EnvironmentSpec;
}

/**
 * Everything that runs the engine in one namespace: the workload (a Rollout, or
 * stable and canary Deployments), its Services, ServiceAccount, disruption
 * budget, autoscaler and network policies.
 */
export class EngineWorkload extends Construct {
  public readonly workload: WorkloadKind;
  /** Labels that select every engine pod, stable and canary. */
  public readonly selector: Readonly<Record<string, string>>;
  /** Labels of the metrics Service only: what monitoring scrapes. */
  public readonly scrapeSelector: Readonly<Record<string, string>> = { [SCRAPE_LABEL]: 'true' };

  public constructor(scope: Construct, id: string, props: EngineWorkloadProps) {
    super(scope, id);
    const { spec } = props;
    const namespace = spec.namespace;
    this.workload = spec.delivery.workload ?? WorkloadKind.ROLLOUT;
    this.selector = {
      'app.kubernetes.io/name': ENGINE_NAME,
      'app.kubernetes.io/instance': Names.toLabelValue(this),
    };
    const podLabels = { ...this.selector, 'app.kubernetes.io/part-of': PART_OF, 'app.kubernetes.io/component': 'search' };

    new ApiObject(this, 'ServiceAccount', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: ENGINE_NAME, namespace },
      // The engine never talks to the Kubernetes API.
      automountServiceAccountToken: false,
    });

    new EngineService(this, 'Service', { name: ENGINE_NAME, namespace, selector: this.selector });
    new EngineService(this, 'MetricsService', {
      name: METRICS_SERVICE_NAME, namespace, selector: this.selector, purpose: ServicePurpose.METRICS, labels: this.scrapeSelector,
    });
    const templateOptions = { spec, labels: podLabels, selector: this.selector, serviceAccountName: ENGINE_NAME };
    const target = this.workload === WorkloadKind.ROLLOUT
      ? this.rollout(spec, enginePodTemplate({ ...templateOptions, image: spec.image }))
      : this.deployments(spec, (image) => enginePodTemplate({ ...templateOptions, image }));

    new EngineScaling(this, 'Scaling', {
      namespace,
      selector: this.selector,
      target,
      autoscaling: spec.autoscaling,
      maxUnavailable: spec.maxUnavailable,
    });

    new NetworkPolicies(this, 'NetworkPolicies', {
      namespace,
      engineSelector: this.selector,
      ingressNamespace: spec.network?.ingressNamespace,
      monitoringNamespace: spec.network?.monitoringNamespace,
      dependencies: dependencyEndpoints(spec.dependencies),
    });
  }

  private rollout(spec: EnvironmentSpec, template: IPodTemplateSpec): ScaleTarget {
    const namespace = spec.namespace;
    const strategy = spec.delivery.strategy ?? RolloutStrategyKind.CANARY;
    const secondary = strategy === RolloutStrategyKind.BLUE_GREEN
      ? new EngineService(this, 'PreviewService', { name: PREVIEW_NAME, namespace, selector: this.selector })
      : new EngineService(this, 'CanaryService', { name: CANARY_NAME, namespace, selector: this.selector });
    // Blue-green switches the root Service itself; a canary splits it by pods and pins stable and canary Services.
    const primary = strategy === RolloutStrategyKind.BLUE_GREEN
      ? ENGINE_NAME
      : new EngineService(this, 'StableService', { name: STABLE_NAME, namespace, selector: this.selector }).name;
    const templates = new AnalysisTemplates(this, 'Analysis', { namespace, slo: resolveSlo(spec.slo), settings: analysisSettings(spec) });
    const rollout = new EngineRollout(this, 'Rollout', {
      namespace,
      replicas: spec.replicas,
      selector: this.selector,
      template,
      strategy,
      canary: spec.delivery.canary,
      analysis: templates.analysis,
      services: { primary, secondary: secondary.name },
    });
    return { apiVersion: EngineRollout.API_VERSION, kind: EngineRollout.KIND, name: rollout.name };
  }

  private deployments(spec: EnvironmentSpec, template: (image: ImageSpec) => IPodTemplateSpec): ScaleTarget {
    const candidate = spec.delivery.canaryImage;
    const firstWeight = spec.delivery.canary.steps[0].weight;
    const deployments = new EngineDeployments(this, 'Deployments', {
      namespace: spec.namespace,
      selector: this.selector,
      stable: { replicas: spec.replicas, template: template(spec.image) },
      canary: {
        // Replica share approximates the first step's traffic weight.
        replicas: candidate === undefined ? 0 : Math.max(1, Math.round((spec.replicas * firstWeight) / 100)),
        template: template(candidate ?? spec.image),
      },
    });
    return { apiVersion: 'apps/v1', kind: 'Deployment', name: deployments.stableName };
  }
}
