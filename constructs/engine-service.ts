import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IServiceSpec } from 'kubernetes-models/v1';
import { ENGINE_METRICS_PORT, ENGINE_PORT, HEALTH_PORT } from '../health/contract';

/** What a Service is for: search traffic, or scraping every engine pod once. */
export const ServicePurpose = { TRAFFIC: 'traffic', METRICS: 'metrics' } as const;
export type ServicePurpose = (typeof ServicePurpose)[keyof typeof ServicePurpose];

export interface EngineServiceProps {
  readonly name: string;
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
  /** @default ServicePurpose.TRAFFIC */
  readonly purpose?: ServicePurpose;
  /** @default - none besides the chart's */
  readonly labels?: Readonly<Record<string, string>>;
}

const PORTS: Readonly<Record<ServicePurpose, NonNullable<IServiceSpec['ports']>>> = {
  traffic: [{ name: 'http', port: ENGINE_PORT, targetPort: 'http', protocol: 'TCP' }],
  metrics: [
    { name: 'metrics', port: ENGINE_METRICS_PORT, targetPort: 'metrics', protocol: 'TCP' },
    { name: 'health', port: HEALTH_PORT, targetPort: 'health', protocol: 'TCP' },
  ],
};

/**
 * A Service in front of engine pods. Traffic Services may be re-pointed by Argo
 * Rollouts; the metrics Service is headless and never is, so that Prometheus
 * sees every pod exactly once, preview and canary pods included.
 */
export class EngineService extends Construct {
  public readonly name: string;

  public constructor(scope: Construct, id: string, props: EngineServiceProps) {
    super(scope, id);
    this.name = props.name;
    const purpose = props.purpose ?? ServicePurpose.TRAFFIC;
    new ApiObject(this, 'Resource', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: props.name, namespace: props.namespace, ...(props.labels === undefined ? {} : { labels: { ...props.labels } }) },
      spec: {
        type: 'ClusterIP',
        ...(purpose === ServicePurpose.METRICS ? { clusterIP: 'None', publishNotReadyAddresses: true } : {}),
        selector: { ...props.selector },
        ports: PORTS[purpose],
      } satisfies IServiceSpec,
    });
  }
}
