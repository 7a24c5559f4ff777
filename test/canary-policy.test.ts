import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration } from 'cdk8s';
import { worstCaseBudgetBurn } from '../constructs/canary-analysis';
import { ENVIRONMENTS, GITOPS } from '../constructs/environments';
import { EnvironmentSpec, RolloutStrategyKind } from '../constructs/environment-spec';
import { SearchOpsApp } from '../constructs/search-ops-app';
import { loadCrdValidator } from './support/crd-schemas';
import { findObject, KubeObject, readObjects, synthToTemp } from './support/synth';

const prod = ENVIRONMENTS.find((e) => e.name === 'prod')!;
const blueGreen: EnvironmentSpec = {
  ...prod,
  delivery: { ...prod.delivery, strategy: RolloutStrategyKind.BLUE_GREEN, maxBudgetBurn: 0.1 },
};

describe('GIVEN a delivery policy WHEN its worst case is computed', () => {
  test('THEN prod risks 16.67 % of traffic (1 of 6 pods) for two one-minute measurements and a scrape: 0.87 % of the budget', () => {
    const burn = worstCaseBudgetBurn(prod);
    expect(burn.trafficShare).toBeCloseTo(1 / 6, 6);
    expect(burn.abortSeconds).toBe(135);
    expect(burn.budgetShare).toBeCloseTo((135 / 6) / (0.001 * 30 * 86400), 9);
    expect(burn.summary).toBe('a completely broken version burns at most 0.87 % of the 30d availability error budget before it is aborted (limit 2 %): '
      + '16.67 % of traffic (1 canary and 5 stable pods at setWeight 5) for 135 s');
  });

  test('THEN a faster analysis lowers the risk in proportion', () => {
    const faster = worstCaseBudgetBurn({ ...prod, delivery: { ...prod.delivery, analysis: { interval: Duration.seconds(30), failureLimit: 0 } } });
    expect(faster.abortSeconds).toBe(45);
    expect(faster.budgetShare).toBeCloseTo(worstCaseBudgetBurn(prod).budgetShare / 3, 9);
  });

  test('THEN blue-green puts all traffic at risk until post-promotion analysis fails', () => {
    expect(worstCaseBudgetBurn(blueGreen).trafficShare).toBe(1);
  });

  test('THEN synth prints it and writes it atop each Rollout', () => {
    const lines: string[] = [];
    const outdir = join(mkdtempSync(join(tmpdir(), 'search-ops-report-')), 'dist');
    const app = new SearchOpsApp({ environments: [prod], gitops: GITOPS, outdir, report: (line) => lines.push(line) });
    app.synth();
    expect(lines).toEqual([`prod: ${worstCaseBudgetBurn(prod).summary}`]);
    const rollout = readFileSync(join(app.distDir, 'prod', 'Rollout.search-engine.k8s.yaml'), 'utf8');
    expect(rollout.split('\n')[0]).toBe(`# Worst case: ${worstCaseBudgetBurn(prod).summary}.`);
  });
});

describe('GIVEN a policy that risks too much WHEN synthesizing THEN it is refused', () => {
  test.each<[string, EnvironmentSpec, string]>([
    ['a 50 % first step', { ...prod, delivery: { ...prod.delivery, canary: { steps: [{ weight: 50 }, { weight: 80 }] } } },
      "environment 'prod': 'delivery.canary.steps[0].weight' (50) lets a completely broken version burn 2.6 % of the error budget before it is aborted "
      + "(50 % of traffic (3 canary and 3 stable pods at setWeight 50) for 135 s), above the limit of 2 % ('delivery.maxBudgetBurn'); abort sooner ('delivery.analysis') or raise the limit"],
    ['blue-green at the default limit', { ...blueGreen, delivery: { ...blueGreen.delivery, maxBudgetBurn: undefined } },
      "environment 'prod': 'delivery.strategy' ('blueGreen') lets a completely broken version burn 5.21 % of the error budget before it is aborted "
      + "(all traffic after promotion, until post-promotion analysis fails for 135 s), above the limit of 2 % ('delivery.maxBudgetBurn'); abort sooner ('delivery.analysis') or raise the limit"],
    ['an analysis without measurements', { ...prod, delivery: { ...prod.delivery, analysis: { measurements: 0 } } },
      "environment 'prod': 'delivery.analysis.measurements' (0) must be an integer of at least 1"],
    ['a limit above 100 %', { ...prod, delivery: { ...prod.delivery, maxBudgetBurn: 2 } },
      "environment 'prod': 'delivery.maxBudgetBurn' (2) must be a share between 0 (excluded) and 1"],
  ])('%s', (_case, spec, message) => {
    expect(() => new SearchOpsApp({ environments: [spec], gitops: GITOPS, outdir: join(synthToTemp([prod]), 'x') }))
      .toThrow(`invalid search-ops configuration:\n  - ${message}`);
  });
});

describe('GIVEN the blue-green option WHEN synthesized', () => {
  const objects = readObjects(join(synthToTemp([blueGreen]), 'prod'));
  const rollout = findObject(objects, 'Rollout', 'search-engine');

  test('THEN the root Service is active, a preview Service exists, and both analyses use the step templates', () => {
    const strategy = rollout.spec.strategy.blueGreen;
    expect(strategy.activeService).toBe('search-engine');
    expect(strategy.previewService).toBe('search-engine-preview');
    const templates = (ref: KubeObject) => ref.templates.map((t: KubeObject) => t.templateName);
    expect(templates(strategy.prePromotionAnalysis)).toEqual(['search-success-rate', 'search-latency']);
    expect(templates(strategy.postPromotionAnalysis)).toEqual(['search-success-rate', 'search-latency']);
    expect(strategy.scaleDownDelaySeconds).toBe(3 * 60 + 60);
    expect(rollout.spec.strategy.canary).toBeUndefined();
    expect(findObject(objects, 'Service', 'search-engine-preview')).toBeDefined();
    expect(objects.some((o) => o.kind === 'Service' && o.metadata.name === 'search-engine-canary')).toBe(false);
  });

  test('THEN the Rollout is valid against the real CRD', () => {
    expect(loadCrdValidator().validate(rollout)).toEqual([]);
  });
});

describe('GIVEN the canary AnalysisTemplates of prod', () => {
  const objects = readObjects(join(synthToTemp([prod]), 'prod'));
  const template = (name: string) => findObject(objects, 'AnalysisTemplate', name).spec;

  test('THEN the success rate selects only the canary pods through the pod template hash and compares with the objective', () => {
    const metric = template('search-success-rate').metrics[0];
    expect(metric.provider.prometheus.query).toBe([
      'sum(rate(search_requests_total{namespace="{{args.namespace}}",rollouts_pod_template_hash="{{args.canary-hash}}",code!~"5.."}[2m]))',
      '/ sum(rate(search_requests_total{namespace="{{args.namespace}}",rollouts_pod_template_hash="{{args.canary-hash}}"}[2m]))',
    ].join('\n'));
    expect(metric).toMatchObject({ interval: '1m', count: 3, failureLimit: 1, inconclusiveLimit: 2, consecutiveErrorLimit: 2 });
    expect(metric.successCondition).toBe('len(result) > 0 && !isNaN(result[0]) && result[0] >= 0.999');
    expect(metric.failureCondition).toBe('len(result) > 0 && !isNaN(result[0]) && result[0] < 0.999');
  });

  test('THEN background templates run for the whole rollout (no count) and the budget guard reads the recorded budget', () => {
    expect(template('search-success-rate-background').metrics[0].count).toBeUndefined();
    expect(template('search-error-budget').metrics[0].provider.prometheus.query).toBe('min(slo:error_budget:remaining{namespace="{{args.namespace}}"})');
  });

  test('THEN every template declares the args the Rollout passes', () => {
    for (const name of ['search-success-rate', 'search-latency', 'search-success-rate-background', 'search-latency-background', 'search-error-budget']) {
      expect(template(name).args).toEqual([{ name: 'canary-hash' }, { name: 'namespace' }]);
    }
  });
});
