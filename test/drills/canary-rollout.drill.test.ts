import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Duration } from 'cdk8s';
import { stringify } from 'yaml';
import { ENVIRONMENTS } from '../../constructs/environments';
import { EnvironmentSpec } from '../../constructs/environment-spec';
import { eventually, LocalCluster } from '../support/cluster';
import { FakeEngine, PrometheusServer } from '../support/services';
import { KubeObject, REPO_ROOT, synthToTemp } from '../support/synth';
import { run } from '../support/tools';

/**
 * Drill: a canary rolled out, promoted, aborted and rolled back by the real
 * Argo Rollouts controller on a real control plane (scripts/local-cluster.sh).
 * The pods run on kwok's fake node, so the C++ engine is played by fake
 * engine processes (test/support/fake-engine.ts), one per pod-template hash,
 * which a real Prometheus scrapes with the labels Kubernetes discovery would
 * give them. The controller runs the generated AnalysisTemplates against it.
 */
const prod = ENVIRONMENTS.find((e) => e.name === 'prod')!;
const { namespace } = prod;
const ROLLOUT = 'search-engine';
const STEP_PAUSE = Duration.seconds(3);
// Long enough that the inconclusive measurements tolerated (2) outlast discovery plus two scrapes.
const ANALYSIS_INTERVAL_SECONDS = 5;
const HEALTHY = { errorRatio: 0, latencySeconds: 0.05, rps: 40 };
const FAILING = { ...HEALTHY, errorRatio: 0.05 };

/** prod, with pauses and analysis timings scaled down so the drill takes a minute, not an hour. */
function drillSpec(prometheusUrl: string): EnvironmentSpec {
  return {
    ...prod,
    delivery: {
      ...prod.delivery,
      canary: {
        ...prod.delivery.canary,
        steps: prod.delivery.canary.steps.map((step) => ({ ...step, pause: STEP_PAUSE })),
      },
      analysis: {
        prometheusUrl, interval: Duration.seconds(ANALYSIS_INTERVAL_SECONDS), measurements: 2,
        failureLimit: 1, inconclusiveLimit: 2, consecutiveErrorLimit: 2, rateWindow: Duration.seconds(20),
      },
    },
  };
}

let cluster: LocalCluster;
let prometheus: PrometheusServer;
let targetsFile: string;
/** Temporary folders this drill made, removed when it ends. */
const scratch: string[] = [];
const engines: FakeEngine[] = [];
/** Which fake engine plays the pods of each pod-template hash. */
const engineOfHash = new Map<string, FakeEngine>();
const drillStarted = Date.now();

/** Writes Prometheus's file_sd targets: what kubernetes_sd plus relabelling would produce for the pods. */
function publishTargets(): void {
  const groups = [...engineOfHash].map(([hash, engine]) => ({
    targets: [engine.target],
    labels: { namespace, pod: `${ROLLOUT}-${hash}`, rollouts_pod_template_hash: hash },
  }));
  // Rename: Prometheus never reads a half-written file.
  writeFileSync(`${targetsFile}.tmp`, JSON.stringify(groups));
  renameSync(`${targetsFile}.tmp`, targetsFile);
}

async function startEngine(traffic: typeof HEALTHY): Promise<FakeEngine> {
  const engine = await FakeEngine.start();
  await engine.set(traffic);
  engines.push(engine);
  return engine;
}

const rollout = (): KubeObject => cluster.json(['get', 'rollout', ROLLOUT, '--namespace', namespace]);
const replicaSets = (): KubeObject[] => cluster.json(['get', 'rs', '--namespace', namespace, '--selector', 'app.kubernetes.io/name=search-engine']).items;
const analysisRuns = (): KubeObject[] => cluster.json(['get', 'analysisruns', '--namespace', namespace]).items;
const COMPLETED = ['Successful', 'Failed', 'Error', 'Inconclusive'];
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Waits as `eventually` does; on a timeout, adds what the controller and the analyses say. */
async function waitForRollout<T>(what: string, timeoutMs: number, probe: () => T | undefined, intervalMs = 200): Promise<T> {
  try {
    return await eventually(what, timeoutMs, probe, intervalMs);
  } catch (error) {
    const summary = cluster.kubectl(['argo', 'rollouts', 'get', 'rollout', ROLLOUT, '--no-color', '--namespace', namespace]).output;
    const all = analysisRuns();
    const runs = all.map((r) => `${r.metadata.name}: ${r.status?.phase} ${JSON.stringify(r.status?.metricResults?.map((m: KubeObject) => [m.name, m.phase, m.measurements?.at(-1)?.value ?? m.message]))}`);
    const sets = replicaSets().map((rs) => `${rs.metadata.name}: spec ${rs.spec.replicas}, ready ${rs.status.readyReplicas ?? 0}, available ${rs.status.availableReplicas ?? 0}`);
    const args = all.map((r) => JSON.stringify(r.spec.args));
    const scraped = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent('count by (namespace, rollouts_pod_template_hash) (search_requests_total)')}`).then((r) => r.text(), (e) => String(e));
    throw new Error(`${(error as Error).message}\n${summary}\n${sets.join('\n')}\n${runs.join('\n')}\nargs: ${args.join('\n')}\nscraped: ${scraped}\ntargets: ${readFileSync(targetsFile, 'utf8')}\nrollout status: ${JSON.stringify(rollout().status)}`);
  }
}

/** Sets a new image through the real kubectl plugin, as an operator would; the health server ships in the engine's image, so both containers. */
function release(tag: string): void {
  cluster.must(['argo', 'rollouts', 'set', 'image', ROLLOUT, `*=${prod.image.repository}:${tag}`, '--namespace', namespace]);
}

/** Waits for the controller to create the new revision's ReplicaSet, then points a fake engine at its hash. */
async function canaryPlayedBy(engine: FakeEngine, previousHash: string): Promise<string> {
  const hash = await eventually('the canary ReplicaSet', 30_000, () => {
    const current = rollout().status?.currentPodHash as string | undefined;
    return current !== undefined && current !== previousHash ? current : undefined;
  }, 100);
  engineOfHash.set(hash, engine);
  publishTargets();
  return hash;
}

beforeAll(async () => {
  cluster = LocalCluster.start({ rollouts: true });
  const dir = mkdtempSync(join(tmpdir(), 'search-ops-rollout-drill-'));
  scratch.push(dir);
  targetsFile = join(dir, 'targets.json');
  writeFileSync(targetsFile, '[]');
  writeFileSync(join(dir, 'prometheus.yml'), stringify({
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    scrape_configs: [{ job_name: 'search-engine', file_sd_configs: [{ files: [targetsFile], refresh_interval: '1s' }] }],
  }));
  prometheus = await PrometheusServer.start(join(dir, 'prometheus.yml'));

  const dist = synthToTemp([drillSpec(prometheus.url)]);
  scratch.push(dirname(dist));
  const apply = ['apply', '--server-side', '--field-manager', 'search-ops', '-f'];
  // The Namespace first: kubectl applies a folder's files in name order.
  cluster.must([...apply, join(dist, 'prod', `Namespace.${namespace}.k8s.yaml`)]);
  cluster.must([...apply, join(dist, 'prod')]);
  const stable = await eventually('the first revision to be Healthy', 90_000, () => {
    const status = rollout().status;
    return status?.phase === 'Healthy' ? status.stableRS as string : undefined;
  });
  engineOfHash.set(stable, await startEngine(HEALTHY));
  publishTargets();
  console.log(`canary drill: control plane ready in ${seconds(cluster.startupMs)}, first revision Healthy after ${seconds(Date.now() - drillStarted)}`);
}, 240_000);

afterAll(async () => {
  cluster?.stop();
  await Promise.allSettled([prometheus?.destroy(), ...engines.map((e) => e.stop())]);
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  console.log(`canary drill: ${seconds(Date.now() - drillStarted)} in all`);
});

describe('canary on a real control plane with the real Argo Rollouts controller (kwok fake node, fake engine processes)', () => {
  let goodHash = '';

  test('a healthy canary is promoted through every step to 100 %', async () => {
    const stableBefore = rollout().status.stableRS as string;
    const began = Date.now();
    release('1.7.4');
    goodHash = await canaryPlayedBy(await startEngine(HEALTHY), stableBefore);

    // The canary ReplicaSet's size at each step: what setWeight means without a traffic router.
    const sizes = new Set<number>();
    const status = await waitForRollout('the canary to be promoted', 240_000, () => {
      const canary = replicaSets().find((rs) => rs.metadata.labels['rollouts-pod-template-hash'] === goodHash);
      if (canary !== undefined) sizes.add(canary.spec.replicas);
      const current = rollout().status;
      return current.phase === 'Healthy' && current.stableRS === goodHash ? current : undefined;
    }, 200);
    console.log(`canary drill: healthy canary promoted to 100 % in ${seconds(Date.now() - began)}`);

    const replicas = prod.replicas;
    const expected = [...prod.delivery.canary.steps.map((s) => Math.ceil((replicas * s.weight) / 100)), replicas];
    expect([...sizes].sort((a, b) => a - b)).toEqual(expect.arrayContaining(expected));
    expect(status.currentStepIndex).toBe(rollout().spec.strategy.canary.steps.length);
    // The background run is terminated once the Rollout is promoted; it completes a moment later.
    const runs = await waitForRollout('every analysis run of the canary to complete', 30_000, () => {
      const own = analysisRuns().filter((r) => r.metadata.labels['rollouts-pod-template-hash'] === goodHash);
      return own.every((r) => COMPLETED.includes(r.status?.phase)) ? own : undefined;
    });
    // One run per analysis step plus the background run; every one passed.
    expect(runs.length).toBe(prod.delivery.canary.steps.length + 1);
    for (const analysisRun of runs) expect({ name: analysisRun.metadata.name, phase: analysisRun.status.phase }).toEqual({ name: analysisRun.metadata.name, phase: 'Successful' });
    await eventually('the old revision scaled down', 60_000, () =>
      replicaSets().every((rs) => rs.metadata.labels['rollouts-pod-template-hash'] === goodHash || rs.spec.replicas === 0) ? true : undefined);
  }, 300_000);

  test('a canary with 5 % errors is aborted by the controller\'s own analysis, back to 0 %, Degraded', async () => {
    expect(goodHash).not.toBe('');
    const began = Date.now();
    release('1.7.5');
    const badHash = await canaryPlayedBy(await startEngine(FAILING), goodHash);

    const aborted = await waitForRollout('the controller to abort the canary', 120_000, () => {
      const current = rollout();
      return current.status.abort === true ? current : undefined;
    }, 100);
    const abortMs = Date.now() - began;
    console.log(`canary drill: 5 % errors canary aborted ${seconds(abortMs)} after its release (analysis interval ${ANALYSIS_INTERVAL_SECONDS} s)`);

    expect(aborted.status.stableRS).toBe(goodHash);
    expect(aborted.status.phase).toBe('Degraded');
    expect(aborted.status.message).toMatch(/RolloutAborted/);
    const failed = analysisRuns().filter((r) => r.metadata.labels['rollouts-pod-template-hash'] === badHash && r.status?.phase === 'Failed');
    expect(failed.length).toBeGreaterThan(0);
    const failedMetrics = failed.flatMap((r) => r.status.metricResults.filter((m: KubeObject) => m.phase === 'Failed').map((m: KubeObject) => m.name));
    expect(failedMetrics).toContain('success-rate');

    // With no traffic router the controller scales an aborted canary down at once: its weight is 0.
    await waitForRollout('the aborted canary scaled to zero', 60_000, () => {
      const bad = replicaSets().find((rs) => rs.metadata.labels['rollouts-pod-template-hash'] === badHash);
      return bad?.status.replicas === 0 && bad.spec.replicas === 0 ? true : undefined;
    });
    const summary = cluster.must(['argo', 'rollouts', 'get', 'rollout', ROLLOUT, '--no-color', '--namespace', namespace]);
    expect(summary).toMatch(/Status:\s+✖ Degraded/);
    expect(summary).toMatch(/ActualWeight:\s+0\b/);
    const stable = replicaSets().find((rs) => rs.metadata.labels['rollouts-pod-template-hash'] === goodHash)!;
    expect(stable.status.availableReplicas).toBe(prod.replicas);
  }, 240_000);

  test('scripts/rollback.sh undoes the aborted release through the real API, back to Healthy', async () => {
    const auditLog = join(mkdtempSync(join(tmpdir(), 'search-ops-audit-')), 'audit.log');
    scratch.push(dirname(auditLog));
    const before = rollout();
    const setsBefore = replicaSets().map((rs) => rs.metadata.name).sort();
    const began = Date.now();
    const result = run('bash', [join(REPO_ROOT, 'scripts', 'rollback.sh'), '--context', 'search-ops-local', '--namespace', namespace, '--yes', '--audit-log', auditLog],
      { env: { ...cluster.env, SEARCH_OPS_ACTOR: 'canary-drill' } });
    expect(result.output).toContain('+ kubectl argo rollouts abort search-engine');
    expect(result.output).toContain('+ kubectl patch rollout search-engine --type json');
    expect(result.code).toBe(0);

    const healthy = await waitForRollout('the rolled-back Rollout to be Healthy', 60_000, () => {
      const current = rollout();
      return current.status.phase === 'Healthy' && current.status.currentPodHash === before.status.stableRS ? current : undefined;
    });
    console.log(`canary drill: rollback.sh back to Healthy on the stable ReplicaSet in ${seconds(Date.now() - began)}`);
    expect(healthy.spec.template.spec.containers.map((c: KubeObject) => c.image)).toEqual([`${prod.image.repository}:1.7.4`, `${prod.image.repository}:1.7.4`]);
    // Straight back to the stable ReplicaSet: no new revision's ReplicaSet, no canary steps again,
    // and none of the controller's stable/canary labels copied into the template.
    expect(replicaSets().map((rs) => rs.metadata.name).sort()).toEqual(setsBefore);
    expect(healthy.spec.template.metadata.labels.track).toBeUndefined();
    expect(healthy.status.currentStepIndex).toBe(healthy.spec.strategy.canary.steps.length);
    const line = JSON.parse(readFileSync(auditLog, 'utf8').trim()) as KubeObject;
    expect(line).toMatchObject({ tool: 'rollback', actor: 'canary-drill', result: 'success', from_revision: before.metadata.annotations['rollout.argoproj.io/revision'] });
    expect(Number(line.to_revision)).toBeGreaterThan(Number(line.from_revision));
  }, 120_000);

  // Pins upstream behaviour that rollback.sh works around; when this fails, the plugin may be safe to use again.
  test('negative control: the plugin\'s own undo copies the track label into the template and starts a new canary', async () => {
    const stableHash = rollout().status.stableRS as string;
    release('1.7.6');
    const badHash = await canaryPlayedBy(await startEngine(FAILING), stableHash);
    await waitForRollout('the controller to abort the canary', 120_000, () => (rollout().status.abort === true ? true : undefined), 100);
    const known = new Set(replicaSets().map((rs) => rs.metadata.labels['rollouts-pod-template-hash'] as string));

    cluster.must(['argo', 'rollouts', 'undo', ROLLOUT, '--namespace', namespace]);
    const fresh = await waitForRollout('the undo to create a ReplicaSet', 30_000, () =>
      replicaSets().find((rs) => !known.has(rs.metadata.labels['rollouts-pod-template-hash'])));
    expect(rollout().spec.template.metadata.labels.track).toBe('stable');
    expect(fresh.metadata.labels['rollouts-pod-template-hash']).not.toBe(stableHash);
    expect(fresh.metadata.labels['rollouts-pod-template-hash']).not.toBe(badHash);
  }, 180_000);
});
