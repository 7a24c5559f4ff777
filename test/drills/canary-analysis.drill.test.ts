import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration } from 'cdk8s';
import { stringify } from 'yaml';
import { ENVIRONMENTS } from '../../constructs/environments';
import { EnvironmentSpec } from '../../constructs/environment-spec';
import { ANALYSIS_ARGS, ANALYSIS_TEMPLATES } from '../../monitoring/analysis-templates';
import { waitFor } from '../support/health';
import { FakeEngine, freePort, LOOPBACK, PrometheusServer } from '../support/services';
import { findObject, readObjects, synthToTemp } from '../support/synth';
import { AnalysisResult, durationMs, Phase, runAnalysis, TemplateSpec } from './analysis-runner';

/**
 * Drill: the generated AnalysisTemplates, evaluated as Argo Rollouts would,
 * against a real Prometheus scraping fake engines (the C++ engine cannot run
 * here) labelled as a stable and several canary pods would be after scraping.
 */
const prod = ENVIRONMENTS.find((e) => e.name === 'prod')!;
const NAMESPACE = prod.namespace;
const CANARIES = {
  healthy: { errorRatio: 0, latencySeconds: 0.05, rps: 40 },
  errors: { errorRatio: 0.05, latencySeconds: 0.05, rps: 40 },
  slow: { errorRatio: 0, latencySeconds: 0.05 + 0.3, rps: 40 },
  idle: { errorRatio: 0, latencySeconds: 0.05, rps: 0 },
} as const;
type Canary = keyof typeof CANARIES;

let prometheus: PrometheusServer;
const engines: FakeEngine[] = [];
const hashOf = (name: string) => `${name}-7d9f8c6b5`;

/** The drill environment: prod, with analysis timings scaled down so the drill takes seconds. */
function drillSpec(prometheusUrl: string): EnvironmentSpec {
  return {
    ...prod,
    delivery: {
      ...prod.delivery,
      analysis: { prometheusUrl, interval: Duration.seconds(3), measurements: 4, failureLimit: 1, inconclusiveLimit: 1, consecutiveErrorLimit: 1, rateWindow: Duration.seconds(20) },
    },
  };
}

function stepTemplates(prometheusUrl: string): TemplateSpec[] {
  const objects = readObjects(join(synthToTemp([drillSpec(prometheusUrl)]), 'prod'));
  return [ANALYSIS_TEMPLATES.successRate, ANALYSIS_TEMPLATES.latency].map((name) => findObject(objects, 'AnalysisTemplate', name).spec);
}

const args = (canary: string) => ({ [ANALYSIS_ARGS.canaryHash]: hashOf(canary), [ANALYSIS_ARGS.namespace]: NAMESPACE });

beforeAll(async () => {
  const names = ['stable', ...Object.keys(CANARIES)];
  for (const name of names) {
    const engine = await FakeEngine.start();
    await engine.set(name === 'stable' ? CANARIES.healthy : CANARIES[name as Canary]);
    engines.push(engine);
  }
  const dir = mkdtempSync(join(tmpdir(), 'search-ops-drill-'));
  writeFileSync(join(dir, 'prometheus.yml'), stringify({
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    scrape_configs: [{
      job_name: 'search-engine',
      static_configs: names.map((name, i) => ({
        targets: [engines[i].target],
        labels: { namespace: NAMESPACE, pod: `search-engine-${hashOf(name)}-x1`, rollouts_pod_template_hash: hashOf(name), track: name === 'stable' ? 'stable' : 'canary' },
      })),
    }],
  }));
  prometheus = await PrometheusServer.start(join(dir, 'prometheus.yml'));
  // A full rate window of data for every pod before judging.
  await waitFor(async () => {
    const response = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent('count(rate(search_requests_total[20s]) > 0)')}`);
    if (!response.ok) return false;
    const body = await response.json() as { data: { result: { value: [number, string] }[] } };
    // Four engines with traffic, each with 3 languages of code 200 (the erroring one adds 500s).
    return Number(body.data.result[0]?.value[1] ?? 0) >= 12;
  }, 60_000, 'scraped traffic');
  await new Promise((resolve) => setTimeout(resolve, 20_000));
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([prometheus?.destroy(), ...engines.map((e) => e.stop())]);
});

/** Prints the outcome; for an abort, also what it means with prod's one-minute interval. */
const report = (name: string, result: AnalysisResult) => {
  const failedMetric = Object.keys(result.metrics).find((k) => result.metrics[k] === Phase.FAILED);
  const taken = result.measurements.filter((m) => m.metric === failedMetric).length;
  const prodAbort = failedMetric === undefined ? '' : `; with prod's 1 m interval: about ${(taken - 1) * 60} s after the first measurement`;
  console.log(`drill ${name}: ${result.phase} after ${(result.elapsedMs / 1000).toFixed(1)} s (drill interval 3 s, ${taken || result.measurements.length} measurements${prodAbort})`);
};

describe('canary analysis drill (fake engines, real Prometheus, generated templates)', () => {
  test('a healthy canary passes every measurement', async () => {
    const result = await runAnalysis(stepTemplates(prometheus.url), { args: args('healthy') });
    report('healthy', result);
    expect(result.phase).toBe(Phase.SUCCESSFUL);
    expect(result.measurements.filter((m) => m.phase === Phase.SUCCESSFUL)).toHaveLength(8);
  }, 60_000);

  test('a canary with 5 % errors is judged Failed on its success rate, and aborted early', async () => {
    const templates = stepTemplates(prometheus.url);
    const result = await runAnalysis(templates, { args: args('errors') });
    report('5 % errors', result);
    expect(result.phase).toBe(Phase.FAILED);
    expect(result.metrics['success-rate']).toBe(Phase.FAILED);
    // failureLimit 1: the second failed measurement aborts, before the count of 4 is reached.
    expect(result.measurements.filter((m) => m.metric === 'success-rate')).toHaveLength(2);
    expect(result.elapsedMs).toBeLessThan(4 * durationMs('3s'));
    const value = result.measurements.find((m) => m.metric === 'success-rate')!.value![0];
    expect(value).toBeGreaterThan(0.93);
    expect(value).toBeLessThan(0.97);
  }, 60_000);

  test('a canary 300 ms slower is judged Failed on latency', async () => {
    const result = await runAnalysis(stepTemplates(prometheus.url), { args: args('slow') });
    report('300 ms slower', result);
    expect(result.phase).toBe(Phase.FAILED);
    expect(result.metrics.latency).toBe(Phase.FAILED);
  }, 60_000);

  test('a canary with no traffic is Inconclusive, never a silent success', async () => {
    const result = await runAnalysis(stepTemplates(prometheus.url), { args: args('idle') });
    report('no traffic', result);
    expect(result.phase).toBe(Phase.INCONCLUSIVE);
    expect(result.measurements.every((m) => m.phase === Phase.INCONCLUSIVE)).toBe(true);
  }, 60_000);

  test('a Prometheus that is down yields Error, not Success', async () => {
    const down = `http://${LOOPBACK}:${await freePort()}`;
    const result = await runAnalysis(stepTemplates(down), { args: args('healthy') });
    report('Prometheus down', result);
    expect(result.phase).toBe(Phase.ERROR);
    expect(result.measurements.every((m) => m.phase === Phase.ERROR)).toBe(true);
    expect(result.measurements[0].message).toMatch(/fetch failed|ECONNREFUSED/);
  }, 60_000);
});
