import { join } from 'node:path';
import { ENVIRONMENTS } from '../constructs/environments';
import { WorkloadKind } from '../constructs/environment-spec';
import { RUN_AS_USER } from '../constructs/engine-pod-template';
import {
  ENGINE_METRICS_PORT, ENGINE_PORT, HEALTH_PORT, PROBE_PATHS, READINESS_PROBE, SHUTDOWN_DELAY_SECONDS, TERMINATION_GRACE_PERIOD_SECONDS,
} from '../health/contract';
import { findObject, KubeObject, readObjects, synthToTemp } from './support/synth';

const prod = ENVIRONMENTS[2];
const dist = synthToTemp([
  ...ENVIRONMENTS,
  {
    ...prod, name: 'plain', namespace: 'search-plain',
    delivery: { ...prod.delivery, workload: WorkloadKind.DEPLOYMENTS, canaryImage: { ...prod.image, tag: '1.8.0-rc.1' } },
  },
]);
const objectsOf = (env: string) => readObjects(join(dist, env));
const names = [...ENVIRONMENTS.map((e) => e.name), 'plain'];

function podTemplates(objects: readonly KubeObject[]): KubeObject[] {
  return objects.filter((o) => o.spec?.template?.spec !== undefined).map((o) => o.spec.template);
}

describe.each(names)('environment %s', (env) => {
  const objects = objectsOf(env);
  const templates = podTemplates(objects);

  test('matches its reviewed snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  test('has at least one pod template', () => {
    expect(templates.length).toBeGreaterThan(0);
  });

  test('its Namespace enforces, audits and warns on Pod Security restricted', () => {
    const namespace = objects.find((o) => o.kind === 'Namespace')!;
    for (const mode of ['enforce', 'audit', 'warn']) {
      expect(namespace.metadata.labels[`pod-security.kubernetes.io/${mode}`]).toBe('restricted');
    }
  });

  test('every pod is non-root with RuntimeDefault seccomp and no service account token', () => {
    for (const { spec } of templates) {
      expect(spec.securityContext).toEqual({
        runAsNonRoot: true, runAsUser: RUN_AS_USER, runAsGroup: RUN_AS_USER, fsGroup: RUN_AS_USER, seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(spec.automountServiceAccountToken).toBe(false);
      expect(spec.hostNetwork ?? false).toBe(false);
      expect(spec.hostPID ?? false).toBe(false);
    }
  });

  test('every container is restricted, read-only and bounded in resources', () => {
    for (const { spec } of templates) {
      for (const container of spec.containers) {
        expect(container.securityContext).toEqual({
          runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false,
          capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
        });
        for (const side of ['requests', 'limits']) {
          expect(Object.keys(container.resources[side]).sort()).toEqual(['cpu', 'memory']);
        }
        expect(container.image).not.toMatch(/:latest$|^[^:]+$/);
        // A read-only root filesystem needs a writable /tmp.
        const tmp = container.volumeMounts.find((m: KubeObject) => m.mountPath === '/tmp');
        expect(spec.volumes.find((v: KubeObject) => v.name === tmp.name).emptyDir.sizeLimit).toBe('64Mi');
      }
    }
  });

  test('probes come from the health contract and shutdown fits in the grace period', () => {
    for (const { spec } of templates) {
      const health = spec.containers.find((c: KubeObject) => c.name === 'health');
      const engine = spec.containers.find((c: KubeObject) => c.name === 'engine');
      expect(health.readinessProbe).toMatchObject({ httpGet: { path: PROBE_PATHS.readiness, port: 'health' }, periodSeconds: READINESS_PROBE.periodSeconds });
      expect(health.livenessProbe.httpGet.path).toBe(PROBE_PATHS.liveness);
      expect(health.startupProbe.httpGet.path).toBe(PROBE_PATHS.startup);
      expect(health.ports).toEqual([{ name: 'health', containerPort: HEALTH_PORT, protocol: 'TCP' }]);
      expect(engine.ports.map((p: KubeObject) => p.containerPort)).toEqual([ENGINE_PORT, ENGINE_METRICS_PORT]);
      expect(engine.lifecycle.preStop.sleep.seconds).toBe(SHUTDOWN_DELAY_SECONDS);
      expect(health.env).toContainEqual({ name: 'SHUTDOWN_DELAY_SECONDS', value: String(SHUTDOWN_DELAY_SECONDS) });
      expect(spec.terminationGracePeriodSeconds).toBe(TERMINATION_GRACE_PERIOD_SECONDS);
      expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(SHUTDOWN_DELAY_SECONDS);
    }
  });

  test('the MongoDB URI only ever comes from a Secret reference', () => {
    for (const { spec } of templates) {
      for (const container of spec.containers) {
        const uri = container.env.find((e: KubeObject) => e.name === 'MONGODB_URI');
        expect(uri).toEqual({ name: 'MONGODB_URI', valueFrom: { secretKeyRef: { name: 'search-engine-mongodb', key: 'uri' } } });
      }
    }
    expect(JSON.stringify(objects)).not.toMatch(/mongodb(\+srv)?:\/\//);
  });

  test('pods spread across zones and nodes', () => {
    for (const { spec } of templates) {
      expect(spec.topologySpreadConstraints.map((t: KubeObject) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    }
  });

  test('the ServiceAccount mounts no token and the PDB lets evictions through', () => {
    expect(findObject(objects, 'ServiceAccount', 'search-engine').automountServiceAccountToken).toBe(false);
    expect(findObject(objects, 'PodDisruptionBudget', 'search-engine').spec.maxUnavailable).toBeGreaterThanOrEqual(1);
  });

  test('network policies deny by default and open only declared ports', () => {
    const deny = findObject(objects, 'NetworkPolicy', 'default-deny');
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const ingress = findObject(objects, 'NetworkPolicy', 'search-engine-ingress');
    expect(ingress.spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [{ protocol: 'TCP', port: ENGINE_PORT }] },
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: [{ protocol: 'TCP', port: ENGINE_METRICS_PORT }, { protocol: 'TCP', port: HEALTH_PORT }],
      },
    ]);
  });
});

describe('derived, not repeated', () => {
  test('egress opens DNS and exactly the ports of the declared dependencies', () => {
    const spec = { ...prod, dependencies: { ...prod.dependencies, redis: { host: 'cache.example.net', port: 6380 }, embedding: { url: 'https://embed.example.net/v1', modelVersion: 'm@1' } } };
    const objects = readObjects(join(synthToTemp([spec]), 'prod'));
    const egress = findObject(objects, 'NetworkPolicy', 'search-engine-egress').spec.egress;
    expect(egress.map((rule: KubeObject) => rule.ports.map((p: KubeObject) => `${p.protocol}/${p.port}`).join(','))).toEqual([
      'UDP/53,TCP/53', 'TCP/27017', 'TCP/6380', 'TCP/443',
    ]);
    // Dependencies outside the cluster have no namespace to restrict to.
    expect(egress[2].to).toBeUndefined();
    expect(egress[1].to).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'search-prod-data' } } }]);
  });

  test('the Rollout names the stable and canary Services and turns canary steps into setWeight and pause', () => {
    const rollout = findObject(objectsOf('prod'), 'Rollout', 'search-engine');
    const canary = rollout.spec.strategy.canary;
    expect(canary.stableService).toBe('search-engine-stable');
    expect(canary.canaryService).toBe('search-engine-canary');
    const analysis = { analysis: { templates: [{ templateName: 'search-success-rate' }, { templateName: 'search-latency' }], args: canary.analysis.args } };
    expect(canary.steps).toEqual([
      { setWeight: 5 }, { pause: { duration: '5m' } }, analysis, { setWeight: 25 }, { pause: { duration: '10m' } }, analysis,
      { setWeight: 50 }, { pause: { duration: '10m' } }, analysis, { setWeight: 75 }, { pause: { duration: '10m' } }, analysis,
    ]);
    expect(canary.analysis).toEqual({
      templates: [{ templateName: 'search-success-rate-background' }, { templateName: 'search-latency-background' }, { templateName: 'search-error-budget' }],
      startingStep: 1,
      args: [
        { name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } },
        { name: 'namespace', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      ],
    });
    expect(canary.canaryMetadata.labels).toEqual({ track: 'canary' });
    expect(canary.stableMetadata.labels).toEqual({ track: 'stable' });
    // The controller ignores it for a canary without a traffic router (the canary drill shows the scale-down).
    expect(canary.abortScaleDownDelaySeconds).toBeUndefined();
    expect(rollout.spec.progressDeadlineSeconds).toBe(900);
    expect(rollout.spec.progressDeadlineAbort).toBe(true);
    for (const name of ['search-engine', 'search-engine-stable', 'search-engine-canary']) {
      expect(findObject(objectsOf('prod'), 'Service', name).spec.selector).toEqual(rollout.spec.selector.matchLabels);
    }
  });

  test('the autoscaler targets the Rollout, or the stable Deployment without Argo Rollouts', () => {
    expect(findObject(objectsOf('prod'), 'HorizontalPodAutoscaler', 'search-engine').spec.scaleTargetRef)
      .toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'search-engine' });
    expect(findObject(objectsOf('plain'), 'HorizontalPodAutoscaler', 'search-engine').spec.scaleTargetRef)
      .toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'search-engine-stable' });
  });

  test('without Argo Rollouts, stable and canary Deployments carry track labels behind one Service', () => {
    const objects = objectsOf('plain');
    const stable = findObject(objects, 'Deployment', 'search-engine-stable');
    const canary = findObject(objects, 'Deployment', 'search-engine-canary');
    expect(stable.spec.template.metadata.labels.track).toBe('stable');
    expect(canary.spec.template.metadata.labels.track).toBe('canary');
    expect(canary.spec.template.spec.containers[0].image).toBe('registry.example.com/search/engine:1.8.0-rc.1');
    // 5 % of 6 replicas rounds to 0, and a candidate needs at least one pod.
    expect(canary.spec.replicas).toBe(1);
    expect(objects.filter((o) => o.kind === 'Service').map((o) => o.metadata.name).sort()).toEqual(['search-engine', 'search-engine-metrics']);
    const selector = findObject(objects, 'Service', 'search-engine').spec.selector;
    for (const deployment of [stable, canary]) expect(deployment.spec.template.metadata.labels).toMatchObject(selector);
    expect(objects.some((o) => o.kind === 'Rollout')).toBe(false);
  });

  test('a digest pins the image', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const objects = readObjects(join(synthToTemp([{ ...prod, image: { ...prod.image, digest } }]), 'prod'));
    const images = findObject(objects, 'Rollout', 'search-engine').spec.template.spec.containers.map((c: KubeObject) => c.image);
    expect(images).toEqual([`registry.example.com/search/engine:1.7.3@${digest}`, `registry.example.com/search/engine:1.7.3@${digest}`]);
  });
});
