import { join } from 'node:path';
import { ENVIRONMENTS, GITOPS } from '../constructs/environments';
import { findObject, KubeObject, readObjects, synthToTemp } from './support/synth';

const dist = synthToTemp();
const argocd = readObjects(join(dist, 'argocd'));

describe('Argo CD', () => {
  test('one AppProject restricted to the environments\' namespaces and the repository', () => {
    const project = findObject(argocd, 'AppProject', 'search-ops');
    expect(project.metadata.namespace).toBe('argocd');
    expect(project.spec.sourceRepos).toEqual([GITOPS.repoUrl]);
    expect(project.spec.destinations).toEqual(ENVIRONMENTS.map((e) => ({ server: 'https://kubernetes.default.svc', namespace: e.namespace })));
    expect(project.spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }]);
  });

  test('the project whitelists exactly the namespaced kinds the environments contain', () => {
    const kinds = new Set(ENVIRONMENTS.flatMap((e) => readObjects(join(dist, e.name)))
      .filter((o) => o.kind !== 'Namespace')
      .map((o) => `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}`));
    const whitelisted = findObject(argocd, 'AppProject', 'search-ops').spec.namespaceResourceWhitelist.map((gk: KubeObject) => `${gk.group}/${gk.kind}`);
    expect(new Set(whitelisted)).toEqual(kinds);
  });

  test.each(ENVIRONMENTS.map((e) => [e.name, e.namespace]))('the %s Application syncs dist/%s automatically, pruning and self-healing', (name, namespace) => {
    const app = findObject(argocd, 'Application', `search-ops-${name}`);
    expect(app.spec.source).toEqual({ repoURL: GITOPS.repoUrl, targetRevision: 'main', path: `dist/${name}` });
    expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace });
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(app.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
  });

  test('fields owned by the autoscaler and by Argo Rollouts are ignored', () => {
    const ignored = findObject(argocd, 'Application', 'search-ops-prod').spec.ignoreDifferences;
    expect(ignored).toContainEqual({ group: 'argoproj.io', kind: 'Rollout', name: 'search-engine', jsonPointers: ['/spec/replicas'] });
    expect(ignored).toContainEqual({ group: 'apps', kind: 'Deployment', name: 'search-engine-stable', jsonPointers: ['/spec/replicas'] });
    for (const name of ['search-engine-stable', 'search-engine-canary']) {
      const service = ignored.find((i: KubeObject) => i.kind === 'Service' && i.name === name);
      expect(service.jsonPointers).toContain('/spec/selector/rollouts-pod-template-hash');
    }
  });
});
