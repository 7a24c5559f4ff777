import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENVIRONMENTS } from '../constructs/environments';
import { HELM_LABELS, writeHelmChart } from '../constructs/helm-chart';
import { helm, helmError, renderChart } from './support/helm';
import { COMMITTED_DIST, findObject, KubeObject, readObjects } from './support/synth';

const CHART = join(COMMITTED_DIST, 'helm', 'search-ops');
const prod = ENVIRONMENTS.find((e) => e.name === 'prod')!;

const byIdentity = (a: KubeObject, b: KubeObject) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`);

function withoutHelmLabels(object: KubeObject): KubeObject {
  const labels = { ...object.metadata.labels };
  for (const label of HELM_LABELS) delete labels[label];
  return { ...object, metadata: { ...object.metadata, labels } };
}

describe('the Helm chart, with the real helm', () => {
  test('passes helm lint', () => {
    expect(helm(['lint', CHART])).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  test('with default values renders dist/prod, apart from Helm\'s own labels', () => {
    const rendered = renderChart(CHART);
    for (const object of rendered) {
      expect(object.metadata.labels['helm.sh/chart']).toBe('search-ops-0.1.0');
      expect(object.metadata.labels['app.kubernetes.io/managed-by']).toBe('Helm');
    }
    expect(rendered.map(withoutHelmLabels).sort(byIdentity)).toEqual(readObjects(join(COMMITTED_DIST, 'prod')).sort(byIdentity));
  });

  test('alert annotations keep their literal {{ $labels }} and {{ $value }} through Helm', () => {
    const rules = findObject(renderChart(CHART), 'PrometheusRule', 'search-engine-slo');
    const descriptions = rules.spec.groups.flatMap((g: KubeObject) => g.rules).filter((r: KubeObject) => r.alert).map((r: KubeObject) => r.annotations.description);
    expect(descriptions.length).toBeGreaterThan(10);
    expect(descriptions).toContain('{{ $labels.namespace }}: the {{ $labels.check }} check has failed on every pod for 2 minutes; pods are not ready.');
    expect(descriptions.every((d: string) => d.includes('{{ $labels.'))).toBe(true);
  });

  test('image tag, replicas and namespace can be overridden', () => {
    const rendered = renderChart(CHART, ['--set', 'image.tag=1.9.0', '--set', 'replicas=9', '--set', 'namespace=search-blue']);
    const rollout = findObject(rendered, 'Rollout', 'search-engine');
    expect(rollout.spec.replicas).toBe(9);
    for (const container of rollout.spec.template.spec.containers) expect(container.image).toBe(`${prod.image.repository}:1.9.0`);
    const health = rollout.spec.template.spec.containers.find((c: KubeObject) => c.name === 'health');
    expect(health.env).toContainEqual({ name: 'SEARCH_OPS_VERSION', value: '1.9.0' });
    expect(findObject(rendered, 'Namespace', 'search-blue')).toBeDefined();
    expect(rendered.filter((o) => o.kind !== 'Namespace').every((o) => o.metadata.namespace === 'search-blue')).toBe(true);
  });

  test('a namespace override reaches every mention of the namespace, not only metadata', () => {
    const rendered = renderChart(CHART, ['--set', 'namespace=search-blue']);
    const text = JSON.stringify(rendered);
    // Whole word only: the dependencies' namespace (search-prod-data) and the bucket stay.
    expect(text).not.toMatch(new RegExp(`(?<![\\w.-])${prod.namespace}(?![\\w-])`));
    expect(text).toContain(`${prod.namespace}-data`);
    expect(findObject(rendered, 'ServiceMonitor', 'search-engine').spec.namespaceSelector.matchNames).toEqual(['search-blue']);
    const rules = findObject(rendered, 'PrometheusRule', 'search-engine-slo').spec.groups.flatMap((g: KubeObject) => g.rules);
    expect(rules.every((r: KubeObject) => !r.expr.includes('namespace=') || r.expr.includes('namespace="search-blue"'))).toBe(true);
  });

  test('a digest pins the image', () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    const rollout = findObject(renderChart(CHART, ['--set', `image.digest=${digest}`]), 'Rollout', 'search-engine');
    expect(rollout.spec.template.spec.containers[0].image).toBe(`${prod.image.repository}:${prod.image.tag}@${digest}`);
  });

  test.each([
    ['the latest tag', ['--set', 'image.tag=latest'], "at '/image/tag': 'not' failed"],
    ['a namespace that is not a DNS label', ['--set', 'namespace=Search_Blue'], "at '/namespace'"],
    ['zero replicas', ['--set', 'replicas=0'], "at '/replicas'"],
    ['an unknown value', ['--set', 'replica=3'], 'additional properties \'replica\' not allowed'],
  ])('values.schema.json refuses %s', (_case, args, message) => {
    expect(helmError(['template', 'search-ops', CHART, ...args])).toContain(message);
  });

  test('Chart.yaml is apiVersion v2 with the prod image tag as appVersion', () => {
    const chart = readFileSync(join(CHART, 'Chart.yaml'), 'utf8');
    expect(chart).toContain('apiVersion: v2');
    expect(chart).toContain(`appVersion: ${prod.image.tag}`);
  });
});

describe('literal {{ }} strings reach the cluster unchanged through Helm', () => {
  const literals = {
    argoArg: 'http://prometheus:9090/{{args.service-name}}',
    argoQuery: 'sum(rate(x{pod_template_hash="{{args.canary-hash}}"}[5m]))',
    alertDescription: '{{ $labels.namespace }} burns {{ $value | humanizePercentage }} of its budget',
    braces: 'a}}b{{c',
  };
  const chart = join(mkdtempSync(join(tmpdir(), 'search-ops-helm-')), 'chart');
  writeHelmChart(chart, {
    name: 'literal-check',
    version: '0.0.1',
    spec: prod,
    files: new Map([['ConfigMap.literals.yaml', [{
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'literals', namespace: prod.namespace }, data: literals,
    }]]]),
  });

  test('every literal renders byte for byte', () => {
    const rendered = findObject(renderChart(chart), 'ConfigMap', 'literals');
    expect(rendered.data).toEqual(literals);
    expect(rendered.metadata.namespace).toBe(prod.namespace);
  });

  test('and still does when values are overridden', () => {
    const rendered = findObject(renderChart(chart, ['--set', 'namespace=elsewhere']), 'ConfigMap', 'literals');
    expect(rendered.data).toEqual(literals);
    expect(rendered.metadata.namespace).toBe('elsewhere');
  });
});
