import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

export interface RestrictedNamespaceProps {
  readonly name: string;
  /**
   * Pod Security Standards version the policy is evaluated at; pinned so a cluster
   * upgrade cannot silently change what is admitted.
   * @default 'v1.30'
   */
  readonly policyVersion?: string;
}

const PSA_MODES = ['enforce', 'audit', 'warn'] as const;

/**
 * A Namespace under the Pod Security `restricted` profile in every mode.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-admission/
 */
export class RestrictedNamespace extends Construct {
  public readonly name: string;
  public readonly policyVersion: string;

  public constructor(scope: Construct, id: string, props: RestrictedNamespaceProps) {
    super(scope, id);
    this.name = props.name;
    this.policyVersion = props.policyVersion ?? 'v1.30';
    const labels: Record<string, string> = {};
    for (const mode of PSA_MODES) {
      labels[`pod-security.kubernetes.io/${mode}`] = 'restricted';
      labels[`pod-security.kubernetes.io/${mode}-version`] = this.policyVersion;
    }
    new ApiObject(this, 'Resource', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: this.name, labels } });
  }
}
