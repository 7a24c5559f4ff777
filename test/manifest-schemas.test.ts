import { ENVIRONMENTS } from '../constructs/environments';
import { WorkloadKind } from '../constructs/environment-spec';
import { loadCrdValidator, toStrictJsonSchema } from './support/crd-schemas';
import { isCoreKind, validateCoreObject, validatePodTemplate } from './support/core-schemas';
import { readObjects, synthToTemp } from './support/synth';
import { join } from 'node:path';

const crds = loadCrdValidator();
const dist = synthToTemp([
  ...ENVIRONMENTS,
  // The Deployments alternative must be valid too, with a candidate running.
  {
    ...ENVIRONMENTS[0], name: 'plain', namespace: 'search-plain',
    delivery: { ...ENVIRONMENTS[0].delivery, workload: WorkloadKind.DEPLOYMENTS, canaryImage: { ...ENVIRONMENTS[0].image, tag: '1.9.0-rc.1' } },
  },
]);
const folders = [...ENVIRONMENTS.map((e) => e.name), 'plain', 'argocd'];
const objects = folders.flatMap((folder) => readObjects(join(dist, folder)).map((o) => [folder, o] as const));

describe('every synthesized object is accepted by its real schema', () => {
  test('the CRD folder provides Rollout, AnalysisTemplate, PrometheusRule, ServiceMonitor, Application and AppProject', () => {
    expect(crds.kinds).toEqual(expect.arrayContaining([
      'argoproj.io/v1alpha1/Rollout', 'argoproj.io/v1alpha1/AnalysisTemplate', 'argoproj.io/v1alpha1/Application',
      'argoproj.io/v1alpha1/AppProject', 'monitoring.coreos.com/v1/PrometheusRule', 'monitoring.coreos.com/v1/ServiceMonitor',
    ]));
  });

  test.each(objects.map(([folder, o]) => [folder, o.kind, o.metadata.name, o]))('%s: %s %s', (_folder, _kind, _name, object) => {
    if (isCoreKind(object)) {
      expect(() => validateCoreObject(object)).not.toThrow();
    } else {
      expect(crds.validate(object)).toEqual([]);
      if (object.kind === 'Rollout') expect(() => validatePodTemplate(object.spec.template)).not.toThrow();
    }
  });
});

describe('the CRD validator rejects what a cluster would reject', () => {
  const rollout = objects.find(([, o]) => o.kind === 'Rollout')![1];

  test('an unknown field where the CRD does not preserve unknown fields', () => {
    const bad = { ...rollout, spec: { ...rollout.spec, strategy: { canary: { ...rollout.spec.strategy.canary, setWieght: 5 } } } };
    expect(crds.validate(bad)).toEqual(["/spec/strategy/canary must NOT have additional properties 'setWieght'"]);
  });

  test('a value of the wrong type', () => {
    const bad = { ...rollout, spec: { ...rollout.spec, progressDeadlineAbort: 'yes' } };
    expect(crds.validate(bad)).toEqual(['/spec/progressDeadlineAbort must be boolean']);
  });

  test('a kind no CRD defines', () => {
    expect(() => crds.validate({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Nonsense' })).toThrow('no CRD defines argoproj.io/v1alpha1/Nonsense');
  });

  test('preserve-unknown-fields and int-or-string are honoured', () => {
    expect(toStrictJsonSchema({ type: 'object', properties: { a: { 'x-kubernetes-int-or-string': true } }, 'x-kubernetes-preserve-unknown-fields': true }))
      .toEqual({ type: 'object', properties: { a: { anyOf: [{ type: 'integer' }, { type: 'string' }] } } });
  });
});

describe('core validation rejects a broken object', () => {
  test('a Service port that is not a number', () => {
    const service = objects.find(([, o]) => o.kind === 'Service')![1];
    const bad = { ...service, spec: { ...service.spec, ports: [{ name: 'http', port: 'eighty' }] } };
    expect(() => validateCoreObject(bad)).toThrow(/port/);
  });
});
