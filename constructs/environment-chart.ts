import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { EngineWorkload } from './engine-workload';
import { EnvironmentSpec } from './environment-spec';
import { ENVIRONMENT_LABEL, PART_OF } from './identity';
import { RestrictedNamespace } from './restricted-namespace';

export interface EnvironmentChartProps {
  readonly spec: EnvironmentSpec;
}

/** One environment: synthesized into `dist/<name>/`. */
export class EnvironmentChart extends Chart {
  public readonly spec: EnvironmentSpec;

  public constructor(scope: Construct, props: EnvironmentChartProps) {
    super(scope, props.spec.name, {
      disableResourceNameHashes: true,
      labels: { 'app.kubernetes.io/part-of': PART_OF, [ENVIRONMENT_LABEL]: props.spec.name },
    });
    this.spec = props.spec;
    new RestrictedNamespace(this, 'Namespace', { name: props.spec.namespace });
    new EngineWorkload(this, 'Engine', { spec: props.spec });
  }
}
