import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { AlertOptions } from '../monitoring/alert-rules';
import { resolveSlo } from '../monitoring/slo';
import { SloTarget } from '../monitoring/slo-target';
import { Backups } from './backups';
import { EngineMonitoring } from './engine-monitoring';
import { IndexRebuild } from './index-rebuild';
import { EngineWorkload } from './engine-workload';
import { EnvironmentSpec } from './environment-spec';
import { ENVIRONMENT_LABEL, PART_OF } from './identity';
import { RestrictedNamespace } from './restricted-namespace';

export interface EnvironmentChartProps {
  readonly spec: EnvironmentSpec;
  readonly alerts: AlertOptions;
}

/** What the monitoring generators need of an environment. */
export function sloTarget(spec: EnvironmentSpec): SloTarget {
  return { environment: spec.name, namespace: spec.namespace, slo: resolveSlo(spec.slo), paging: spec.production ?? false };
}

/** One environment: synthesized into `dist/<name>/`. */
export class EnvironmentChart extends Chart {
  public readonly spec: EnvironmentSpec;
  public readonly target: SloTarget;

  public constructor(scope: Construct, props: EnvironmentChartProps) {
    super(scope, props.spec.name, {
      disableResourceNameHashes: true,
      labels: { 'app.kubernetes.io/part-of': PART_OF, [ENVIRONMENT_LABEL]: props.spec.name },
    });
    this.spec = props.spec;
    new RestrictedNamespace(this, 'Namespace', { name: props.spec.namespace });
    const engine = new EngineWorkload(this, 'Engine', { spec: props.spec });
    new IndexRebuild(this, 'IndexRebuild', { spec: props.spec });
    const backups = props.spec.backup === undefined ? undefined : new Backups(this, 'Backups', { spec: props.spec, backup: props.spec.backup });
    this.target = {
      ...sloTarget(props.spec),
      ...(backups === undefined ? {} : { backup: { cronJob: backups.cronJobName, rpoSeconds: backups.rpo.toSeconds() } }),
    };
    new EngineMonitoring(this, 'Monitoring', { target: this.target, alerts: props.alerts, serviceSelector: engine.scrapeSelector });
  }
}
