import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IServiceSpec } from 'kubernetes-models/v1';
import { ENGINE_METRICS_PORT, ENGINE_PORT, HEALTH_PORT } from '../health/contract';

export interface EngineServiceProps {
  readonly name: string;
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
  /** @default - none besides the chart's */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Ports every engine Service exposes: search traffic, engine metrics and health metrics. */
export const ENGINE_SERVICE_PORTS: NonNullable<IServiceSpec['ports']> = [
  { name: 'http', port: ENGINE_PORT, targetPort: 'http', protocol: 'TCP' },
  { name: 'metrics', port: ENGINE_METRICS_PORT, targetPort: 'metrics', protocol: 'TCP' },
  { name: 'health', port: HEALTH_PORT, targetPort: 'health', protocol: 'TCP' },
];

/** A ClusterIP Service in front of engine pods. */
export class EngineService extends Construct {
  public readonly name: string;

  public constructor(scope: Construct, id: string, props: EngineServiceProps) {
    super(scope, id);
    this.name = props.name;
    new ApiObject(this, 'Resource', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: props.name, namespace: props.namespace, ...(props.labels === undefined ? {} : { labels: { ...props.labels } }) },
      spec: {
        type: 'ClusterIP',
        selector: { ...props.selector },
        ports: ENGINE_SERVICE_PORTS,
      } satisfies IServiceSpec,
    });
  }
}
