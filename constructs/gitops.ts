import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { GitOpsSpec } from './environment-spec';
import { EnvironmentChart } from './environment-chart';
import { CANARY_NAME, ENGINE_NAME, PART_OF, PREVIEW_NAME, STABLE_NAME } from './identity';

export interface GitOpsChartProps {
  readonly gitops: GitOpsSpec;
  readonly environments: readonly EnvironmentChart[];
  /** Folder of the synthesized environments in the repository. @default 'dist' */
  readonly distPath?: string;
}

const IN_CLUSTER = 'https://kubernetes.default.svc';
const ARGO_API_VERSION = 'argoproj.io/v1alpha1';

interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/**
 * Argo CD: one AppProject that may deploy only into the environments'
 * namespaces, and one automated Application per environment.
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/auto_sync/
 */
export class GitOpsChart extends Chart {
  public static readonly FOLDER = 'argocd';

  public readonly project: string;
  public readonly argoCdNamespace: string;
  public readonly targetRevision: string;

  public constructor(scope: Construct, props: GitOpsChartProps) {
    super(scope, GitOpsChart.FOLDER, { disableResourceNameHashes: true, labels: { 'app.kubernetes.io/part-of': PART_OF } });
    this.project = props.gitops.project ?? PART_OF;
    this.argoCdNamespace = props.gitops.argoCdNamespace ?? 'argocd';
    this.targetRevision = props.gitops.targetRevision ?? 'main';
    const distPath = props.distPath ?? 'dist';

    new ApiObject(this, 'Project', {
      apiVersion: ARGO_API_VERSION,
      kind: 'AppProject',
      metadata: { name: this.project, namespace: this.argoCdNamespace },
      spec: {
        description: 'The multilingual search engine, one Application per environment.',
        sourceRepos: [props.gitops.repoUrl],
        destinations: props.environments.map((env) => ({ server: IN_CLUSTER, namespace: env.spec.namespace })),
        clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
        // Exactly the kinds the environments contain, so that nothing else can be deployed.
        namespaceResourceWhitelist: Lazy.any({ produce: () => namespacedKinds(props.environments) }),
      },
    });

    for (const env of props.environments) {
      new ApiObject(this, `Application-${env.spec.name}`, {
        apiVersion: ARGO_API_VERSION,
        kind: 'Application',
        metadata: {
          name: `${PART_OF}-${env.spec.name}`,
          namespace: this.argoCdNamespace,
          // Deleting the Application deletes what it deployed.
          finalizers: ['resources-finalizer.argocd.argoproj.io'],
        },
        spec: {
          project: this.project,
          source: { repoURL: props.gitops.repoUrl, targetRevision: this.targetRevision, path: `${distPath}/${env.spec.name}` },
          destination: { server: IN_CLUSTER, namespace: env.spec.namespace },
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            syncOptions: ['RespectIgnoreDifferences=true', 'PruneLast=true'],
            retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
          },
          ignoreDifferences: CONTROLLER_OWNED_FIELDS,
        },
      });
    }
  }
}

/**
 * Fields that controllers own after the first sync: the autoscaler sets replicas,
 * Argo Rollouts pins the stable, canary, active and preview Services to a pod template hash.
 */
const CONTROLLER_OWNED_FIELDS = [
  { group: 'argoproj.io', kind: 'Rollout', name: ENGINE_NAME, jsonPointers: ['/spec/replicas'] },
  { group: 'apps', kind: 'Deployment', name: STABLE_NAME, jsonPointers: ['/spec/replicas'] },
  ...[ENGINE_NAME, STABLE_NAME, CANARY_NAME, PREVIEW_NAME].map((name) => ({
    group: '',
    kind: 'Service',
    name,
    jsonPointers: [
      '/spec/selector/rollouts-pod-template-hash',
      '/metadata/annotations/argo-rollouts.argoproj.io~1managed-by-rollouts',
    ],
  })),
];

function namespacedKinds(environments: readonly EnvironmentChart[]): GroupKind[] {
  const seen = new Map<string, GroupKind>();
  for (const chart of environments) {
    for (const object of chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject)) {
      if (object.kind === 'Namespace') continue;
      const group = object.apiGroup === 'core' ? '' : object.apiGroup;
      seen.set(`${group}/${object.kind}`, { group, kind: object.kind });
    }
  }
  return [...seen.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, gk]) => gk);
}
