import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { INetworkPolicyEgressRule, INetworkPolicyPeer, INetworkPolicySpec } from 'kubernetes-models/networking.k8s.io/v1';
import { ENGINE_METRICS_PORT, ENGINE_PORT, HEALTH_PORT } from '../health/contract';
import { DependencyEndpoint } from './dependency-endpoints';
import { ENGINE_NAME } from './identity';

export interface NetworkPoliciesProps {
  readonly namespace: string;
  readonly engineSelector: Readonly<Record<string, string>>;
  /** @default 'ingress-nginx' */
  readonly ingressNamespace?: string;
  /** @default 'monitoring' */
  readonly monitoringNamespace?: string;
  readonly dependencies: readonly DependencyEndpoint[];
}

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export function namespacePeer(namespace: string): INetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } } };
}

/**
 * Default deny in both directions for the whole namespace, then exactly the
 * traffic the engine needs: search from the ingress controller, scrapes from
 * monitoring, DNS, and each declared dependency.
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export class NetworkPolicies extends Construct {
  public readonly ingressNamespace: string;
  public readonly monitoringNamespace: string;

  public constructor(scope: Construct, id: string, props: NetworkPoliciesProps) {
    super(scope, id);
    this.ingressNamespace = props.ingressNamespace ?? 'ingress-nginx';
    this.monitoringNamespace = props.monitoringNamespace ?? 'monitoring';
    const engine = { matchLabels: { ...props.engineSelector } };

    this.policy('DefaultDeny', 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }, props.namespace);

    this.policy('Ingress', `${ENGINE_NAME}-ingress`, {
      podSelector: engine,
      policyTypes: ['Ingress'],
      ingress: [
        { from: [namespacePeer(this.ingressNamespace)], ports: [{ protocol: 'TCP', port: ENGINE_PORT }] },
        {
          from: [namespacePeer(this.monitoringNamespace)],
          ports: [{ protocol: 'TCP', port: ENGINE_METRICS_PORT }, { protocol: 'TCP', port: HEALTH_PORT }],
        },
      ],
    }, props.namespace);

    this.policy('Egress', `${ENGINE_NAME}-egress`, {
      podSelector: engine,
      policyTypes: ['Egress'],
      egress: [DNS_EGRESS, ...props.dependencies.map(dependencyEgress)],
    }, props.namespace);
  }

  private policy(id: string, name: string, spec: INetworkPolicySpec, namespace: string): void {
    new ApiObject(this, id, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name, namespace },
      spec,
    });
  }
}

/** Egress to cluster DNS, which every pod that resolves a name needs. */
export const DNS_EGRESS: INetworkPolicyEgressRule = {
  to: [{ ...namespacePeer('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
};

/** Egress to one dependency: its port, in its namespace when it is in the cluster. */
export function dependencyEgress(endpoint: DependencyEndpoint): INetworkPolicyEgressRule {
  return {
    ...(endpoint.namespace === undefined ? {} : { to: [namespacePeer(endpoint.namespace)] }),
    ports: [{ protocol: 'TCP', port: endpoint.port }],
  };
}
