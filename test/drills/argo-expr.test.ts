import { analysisTemplates } from '../../monitoring/analysis-templates';
import { DEFAULT_SLO } from '../../monitoring/slo';
import { evaluate, ExprError } from './argo-expr';

describe('the condition language subset of the drill runner', () => {
  test.each<[string, number[], boolean]>([
    ['result[0] >= 0.999', [0.9995], true],
    ['result[0] >= 0.999', [0.95], false],
    ['len(result) > 0 && !isNaN(result[0]) && result[0] >= 0.999', [], false],
    ['len(result) > 0 && !isNaN(result[0]) && result[0] >= 0.999', [NaN], false],
    ['len(result) == 0 || isNaN(result[0]) || result[0] > 0', [], true],
    ['len(result) == 0 || isNaN(result[0]) || result[0] > 0', [-0.2], false],
    ['!(result[0] < 1) || result[1] != 2', [1, 2], true],
    ['isInf(result[0])', [Infinity], true],
    ['1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 3 && 4 == 4', [], true],
    ['(result[0] > 1 || result[0] < 0) && len(result) == 1', [0.5], false],
  ])('%s with result %j is %s', (source, result, expected) => {
    expect(evaluate(source, result)).toBe(expected);
  });

  test.each<[string, number[], string]>([
    ['result[0] > 0', [], 'index out of range: 0 (len 0)'],
    ['result > 0', [1], "'>' needs numbers"],
    ['result[0] + 1 > 0', [1], "unexpected '+'"],
    ['asFloat(result) > 0', [1], "unsupported 'asFloat'"],
    ['result[0]', [1], 'condition is not a boolean'],
  ])('%s with result %j is refused: %s', (source, result, message) => {
    expect(() => evaluate(source, result)).toThrow(ExprError);
    expect(() => evaluate(source, result)).toThrow(message);
  });

  test('every condition the generated templates use is understood', () => {
    const settings = { prometheusAddress: 'http://p', interval: '1m', count: 3, failureLimit: 1, inconclusiveLimit: 2, consecutiveErrorLimit: 2, rateWindow: '2m' };
    const conditions = analysisTemplates(DEFAULT_SLO, settings).flatMap((t) => (t.spec.metrics as Record<string, string>[]))
      .flatMap((m) => [m.successCondition, m.failureCondition]);
    expect(conditions.length).toBe(10);
    for (const condition of conditions) for (const result of [[], [NaN], [0.5], [1]]) expect(typeof evaluate(condition, result)).toBe('boolean');
  });
});
