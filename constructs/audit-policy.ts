/**
 * A Kubernetes audit Policy for the environments' namespaces: who changed
 * Rollouts, Secrets, ConfigMaps and the other objects that decide what runs.
 * It is kube-apiserver configuration (--audit-policy-file), not an object to
 * apply, so it is written to dist/audit/ for the cluster admins to merge.
 * @see https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/
 */

const WRITES = ['create', 'update', 'patch', 'delete', 'deletecollection'];

export function auditPolicy(namespaces: readonly string[]): Record<string, unknown> {
  const scope = { namespaces: [...namespaces] };
  return {
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Policy',
    omitStages: ['RequestReceived'],
    rules: [
      // Who read or changed a Secret, never its content.
      { level: 'Metadata', ...scope, resources: [{ group: '', resources: ['secrets'] }] },
      // What exactly changed in a rollout, an abort or an undo included.
      {
        level: 'RequestResponse',
        ...scope,
        verbs: WRITES,
        resources: [{ group: 'argoproj.io', resources: ['rollouts', 'rollouts/status', 'rollouts/scale', 'analysistemplates', 'analysisruns'] }],
      },
      // The request body of every other change to what runs and how it is watched.
      {
        level: 'Request',
        ...scope,
        verbs: WRITES,
        resources: [
          { group: '', resources: ['configmaps', 'services', 'serviceaccounts'] },
          { group: 'apps', resources: ['deployments', 'deployments/scale'] },
          { group: 'batch', resources: ['jobs', 'cronjobs'] },
          { group: 'networking.k8s.io', resources: ['networkpolicies'] },
          { group: 'policy', resources: ['poddisruptionbudgets'] },
          { group: 'autoscaling', resources: ['horizontalpodautoscalers'] },
          { group: 'monitoring.coreos.com', resources: ['prometheusrules', 'servicemonitors'] },
        ],
      },
      // Reads of everything else in these namespaces are noise.
      { level: 'None', ...scope, verbs: ['get', 'list', 'watch'] },
    ],
  };
}
