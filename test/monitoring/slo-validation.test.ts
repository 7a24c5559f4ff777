import { DEFAULT_SLO, resolveSlo, SloOverrides } from '../../monitoring/slo';
import { sloErrors, sloWarnings } from '../../monitoring/slo-validation';

describe('GIVEN an SLO spec WHEN it is validated', () => {
  test('THEN the defaults of DESIGN.md are valid and raise no warning', () => {
    expect(DEFAULT_SLO).toEqual({
      availability: { objective: 0.999, window: '30d' },
      latency: { objective: 0.99, thresholdSeconds: 0.3, window: '30d' },
      freshness: { objective: 0.99, maxAgeSeconds: 600, window: '30d' },
    });
    expect(sloErrors(DEFAULT_SLO)).toEqual([]);
    expect(sloWarnings(DEFAULT_SLO)).toEqual([]);
  });

  test.each<[string, SloOverrides, { field: string; value: unknown; rule: string }]>([
    ['an objective of 1', { availability: { objective: 1 } }, { field: 'slo.availability.objective', value: 1, rule: 'must be between 0 and 1, both excluded' }],
    ['an objective of 0', { latency: { objective: 0 } }, { field: 'slo.latency.objective', value: 0, rule: 'must be between 0 and 1, both excluded' }],
    ['a 90 % objective, whose fast page can never fire', { availability: { objective: 0.9 } }, {
      field: 'slo.availability.objective', value: 0.9,
      rule: 'makes the 14.4x page unreachable: it needs an error ratio of 144 %, above 100 %; use an objective of at least 0.930556',
    }],
    ['an unknown window', { freshness: { window: '7d' as '30d' } }, {
      field: 'slo.freshness.window', value: '7d', rule: 'must be one of 30d: the burn-rate windows are defined for it',
    }],
    ['a latency threshold that is not a bucket', { latency: { thresholdSeconds: 0.2 } }, {
      field: 'slo.latency.thresholdSeconds', value: 0.2, rule: "must be one of the histogram's buckets (0.05, 0.1, 0.25, 0.3, 0.5, 1, 2.5)",
    }],
    ['a freshness threshold of zero', { freshness: { maxAgeSeconds: 0 } }, { field: 'slo.freshness.maxAgeSeconds', value: 0, rule: 'must be greater than zero' }],
  ])('THEN %s is refused, naming the field and the rule', (_case, overrides, expected) => {
    expect(sloErrors(resolveSlo(overrides))).toEqual([expected]);
  });

  test('THEN an objective of 93.1 % is the least that can still page', () => {
    expect(sloErrors(resolveSlo({ availability: { objective: 0.931 } }))).toEqual([]);
  });

  test('THEN a budget that a total outage spends before anyone is paged is a warning, not an error', () => {
    const slo = resolveSlo({ availability: { objective: 0.99999 } });
    expect(sloErrors(slo)).toEqual([]);
    expect(sloWarnings(slo)).toEqual([{
      field: 'slo.availability.objective',
      value: 0.99999,
      rule: 'leaves a budget that a total outage spends in 26 s, faster than detection (90 s: scrape, evaluation, notification)',
    }]);
    expect(sloWarnings(slo, { detectionSeconds: 20 })).toEqual([]);
  });
});
