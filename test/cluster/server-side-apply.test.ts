import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ENVIRONMENTS } from '../../constructs/environments';
import { CLUSTER_CONTEXT, eventually, LocalCluster } from '../support/cluster';
import { HELM } from '../support/helm';
import { TOOLS_BIN } from '../support/services';
import { COMMITTED_DIST, KubeObject, readObjects, REPO_ROOT } from '../support/synth';
import { run } from '../support/tools';

/**
 * The committed `dist/` against a real kube-apiserver, controller-manager,
 * scheduler and Argo Rollouts controller (scripts/local-cluster.sh): what
 * schemas cannot catch, such as admission, Pod Security `restricted`, CRD
 * structural validation and defaulting. Pods land on kwok's fake node, which
 * marks them Running: no container runs (there is no kubelet here).
 */
const FIELD_MANAGER = 'search-ops-tests';
const apply = ['apply', '--server-side', '--field-manager', FIELD_MANAGER];

let cluster: LocalCluster;

beforeAll(() => {
  cluster = LocalCluster.start({ rollouts: true, auditPolicy: join(COMMITTED_DIST, 'audit', 'policy.yaml') });
  console.log(`local control plane ready in ${(cluster.startupMs / 1000).toFixed(1)} s`);
}, 240_000);

afterAll(() => cluster?.stop());

/** The version of `module` that a go.mod of tools/ pins (its require line). */
function pinned(module: string, goMod: string): string {
  const text = readFileSync(join(REPO_ROOT, 'tools', goMod, 'go.mod'), 'utf8');
  const match = new RegExp(`^(?:require)?\\s*${module.replace(/[.]/g, '\\.')} (v\\S+)`, 'm').exec(text);
  if (match === null) throw new Error(`tools/${goMod}/go.mod pins no ${module}`);
  return match[1];
}

const lines = (output: string): string[] => output.split('\n').filter((line) => line !== '');

/** The pod templates of a folder's workloads, by `Kind/name`. */
function podTemplates(objects: readonly KubeObject[]): Map<string, KubeObject> {
  const templates = new Map<string, KubeObject>();
  for (const object of objects) {
    const id = `${object.kind}/${object.metadata.name}`;
    if (object.kind === 'Rollout' || object.kind === 'Deployment') templates.set(id, object.spec.template);
    if (object.kind === 'CronJob') templates.set(id, object.spec.jobTemplate.spec.template);
    if (object.kind === 'Job') templates.set(id, object.spec.template);
  }
  return templates;
}

/** A bare Pod with a template's spec, for a server-side dry run through admission. */
const podFrom = (template: KubeObject, name: string, namespace: string): string =>
  stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels: template.metadata?.labels }, spec: template.spec });

test('every component reports the release that tools/cluster and tools/kwok pin, not v0.0.0', () => {
  const kubernetes = pinned('k8s.io/kubernetes', 'cluster');
  expect(kubernetes).toMatch(/^v1\.\d+\.\d+$/);
  expect(JSON.parse(cluster.must(['get', '--raw', '/version'])).gitVersion).toBe(kubernetes);
  expect(JSON.parse(cluster.must(['version', '--client', '-o', 'json'])).clientVersion.gitVersion).toBe(kubernetes);
  for (const component of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
    expect(run(join(TOOLS_BIN, component), ['--version']).output.trim()).toBe(`Kubernetes ${kubernetes}`);
  }
  const etcd = pinned('go.etcd.io/etcd/server/v3', 'cluster').slice(1);
  expect(run(join(TOOLS_BIN, 'etcd'), ['--version']).output).toMatch(new RegExp(`^etcd Version: ${etcd}$`, 'm'));
  expect(run(join(TOOLS_BIN, 'kwok'), ['--version']).output).toMatch(new RegExp(`^kwok version ${pinned('sigs.k8s.io/kwok', 'kwok')} `));
  expect(cluster.must(['argo', 'rollouts', 'version'])).toMatch(new RegExp(`^kubectl-argo-rollouts: ${pinned('github.com/argoproj/argo-rollouts', 'cluster')}\n`));
});

describe.each(ENVIRONMENTS.map((e) => [e.name, e.namespace]))('dist/%s on a real API server', (name, namespace) => {
  const folder = join(COMMITTED_DIST, name);
  const objects = readObjects(folder);

  test('a server-side dry run accepts every object, and a real apply creates them all', () => {
    // A dry run cannot put namespaced objects into a namespace that does not exist yet.
    cluster.must([...apply, '-f', join(folder, `Namespace.${namespace}.k8s.yaml`)]);
    const dryRun = cluster.kubectl([...apply, '--dry-run=server', '-f', folder]);
    // Nothing but one confirmation per object: no warning, no error.
    expect(lines(dryRun.output).filter((line) => !/ serverside-applied \(server dry run\)$/.test(line))).toEqual([]);
    expect(dryRun.code).toBe(0);
    expect(lines(dryRun.output)).toHaveLength(objects.length);

    const applied = cluster.kubectl([...apply, '-f', folder]);
    expect(lines(applied.output).filter((line) => !/ serverside-applied$/.test(line))).toEqual([]);
    expect(applied.code).toBe(0);
    for (const object of objects) {
      // Kind.group: unambiguous even where two API groups share a kind.
      const group = object.apiVersion.includes('/') ? `.${object.apiVersion.split('/')[0]}` : '';
      const args = ['get', `${object.kind}${group}`, object.metadata.name, '--show-managed-fields'];
      if (object.kind !== 'Namespace') args.push('--namespace', object.metadata.namespace);
      const live = cluster.json(args);
      expect(live.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
      expect(live.metadata.managedFields.map((f: KubeObject) => f.manager)).toContain(FIELD_MANAGER);
    }
  }, 120_000);

  test('Pod Security restricted is enforced on the namespace and admits every pod template', () => {
    const labels = cluster.json(['get', 'namespace', namespace]).metadata.labels;
    expect(labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const templates = podTemplates(objects);
    expect(templates.size).toBeGreaterThanOrEqual(2);
    for (const [id, template] of templates) {
      const podName = `psa-check-${id.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
      const result = cluster.kubectl(['create', '--dry-run=server', '-f', '-'], podFrom(template, podName, namespace));
      expect({ id, ...result }).toEqual({ id, code: 0, output: `pod/${podName} created (server dry run)\n` });
    }
  });

  test('the Argo Rollouts controller brings every replica up on the fake node', async () => {
    const wanted = objects.find((o) => o.kind === 'Rollout')!.spec.replicas as number;
    const status = await eventually('a Healthy Rollout', 90_000, () => {
      const rollout = cluster.json(['get', 'rollout', 'search-engine', '--namespace', namespace]);
      return rollout.status?.phase === 'Healthy' ? rollout.status : undefined;
    });
    expect(status.availableReplicas).toBe(wanted);
    const pods = cluster.json(['get', 'pods', '--namespace', namespace, '--selector', 'app.kubernetes.io/name=search-engine']).items as KubeObject[];
    expect(pods).toHaveLength(wanted);
    for (const pod of pods) {
      expect(pod.spec.nodeName).toBe('kwok-node-0');
      expect(pod.status.phase).toBe('Running');
      expect(pod.spec.automountServiceAccountToken).toBe(false);
    }
  }, 120_000);
});

describe('admission catches what schemas cannot (negative controls)', () => {
  const namespace = ENVIRONMENTS[0].namespace;

  test('a pod that breaks restricted is refused, naming the rule', () => {
    const rollout = readObjects(join(COMMITTED_DIST, ENVIRONMENTS[0].name)).find((o) => o.kind === 'Rollout')!;
    const template = structuredClone(rollout.spec.template);
    template.spec.containers[0].securityContext.allowPrivilegeEscalation = true;
    const result = cluster.kubectl(['create', '--dry-run=server', '-f', '-'], podFrom(template, 'psa-negative', namespace));
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/violates PodSecurity "restricted:.*allowPrivilegeEscalation != false/);
  });

  test('a Rollout that breaks the CRD schema is refused by the server', () => {
    const rollout = readObjects(join(COMMITTED_DIST, ENVIRONMENTS[0].name)).find((o) => o.kind === 'Rollout')!;
    const broken = structuredClone(rollout);
    broken.spec.replicas = 'six';
    const result = cluster.kubectl([...apply, '--dry-run=server', '-f', '-'], stringify(broken));
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/\.spec\.replicas: expected numeric \(int or float\), got string/);
  });
});

test('dist/argocd: the AppProject and every Application are accepted', () => {
  const folder = join(COMMITTED_DIST, 'argocd');
  const objects = readObjects(folder);
  const namespaces = [...new Set(objects.map((o) => o.metadata.namespace))];
  for (const namespace of namespaces) cluster.must(['create', 'namespace', namespace]);
  const dryRun = cluster.kubectl([...apply, '--dry-run=server', '-f', folder]);
  expect(dryRun.code).toBe(0);
  expect(dryRun.output.match(/serverside-applied/g)).toHaveLength(objects.length);
  cluster.must([...apply, '-f', folder]);
  const applications = cluster.json(['get', 'applications.argoproj.io', '--namespace', namespaces[0]]).items as KubeObject[];
  expect(applications.map((a) => a.metadata.name).sort()).toEqual(ENVIRONMENTS.map((e) => `search-ops-${e.name}`).sort());
});

test('helm install --dry-run=server of the chart is accepted by the same API server', () => {
  const chart = join(COMMITTED_DIST, 'helm', 'search-ops');
  const namespace = 'search-helm-check';
  const common = ['--kubeconfig', cluster.kubeconfig, '--kube-context', CLUSTER_CONTEXT];
  const result = run(HELM, ['install', 'search-ops', chart, '--dry-run=server', '--set', `namespace=${namespace}`, ...common]);
  expect(result.output).not.toMatch(/^(Error|Warning)/m);
  expect(result.code).toBe(0);
  expect(result.output).toMatch(/^STATUS: pending-install$/m);
  expect(result.output).toContain(`namespace: "${namespace}"`);
  // Helm asked the server: the objects kubectl applied to the chart's default namespace are not its own.
  const taken = run(HELM, ['install', 'search-ops', chart, '--dry-run=server', ...common]);
  expect(taken.code).not.toBe(0);
  expect(taken.output).toMatch(/exists and cannot be imported into the current release/);
  // A value the schema refuses never reaches the cluster.
  const refused = run(HELM, ['install', 'search-ops', chart, '--dry-run=server', '--set', 'image.tag=latest', ...common]);
  expect(refused.code).not.toBe(0);
  expect(refused.output).toMatch(/image\.tag|tag/);
});

test('the generated audit policy is live: Rollout writes are logged with their bodies, Secrets never with theirs', async () => {
  const { namespace } = ENVIRONMENTS[0];
  cluster.must(['create', 'secret', 'generic', 'audit-check', '--namespace', namespace, '--from-literal=password=must-not-be-logged']);
  cluster.must(['annotate', 'rollout', 'search-engine', '--namespace', namespace, 'search-ops.io/audit-check=1', '--overwrite']);
  // The API server appends asynchronously: read whole lines until both events are there.
  const found = await eventually('both audit events', 10_000, () => {
    const log = readFileSync(cluster.auditLog, 'utf8');
    const events = log.split('\n').filter((line) => line.endsWith('}')).map((line) => JSON.parse(line) as KubeObject);
    const secret = events.find((e) => e.objectRef?.resource === 'secrets' && e.objectRef?.name === 'audit-check' && e.verb === 'create');
    const rollout = events.find((e) => e.objectRef?.resource === 'rollouts' && e.verb === 'patch' && JSON.stringify(e.requestObject ?? {}).includes('search-ops.io/audit-check'));
    return secret && rollout ? { log, secret, rollout } : undefined;
  });
  expect(found.log).not.toContain('must-not-be-logged');
  expect(found.secret.level).toBe('Metadata');
  expect(found.rollout.level).toBe('RequestResponse');
  expect(found.rollout.user.username).toBe('search-ops-admin');
  expect(found.rollout.responseObject.metadata.annotations['search-ops.io/audit-check']).toBe('1');
});
