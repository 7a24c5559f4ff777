import { counter, parseFailures } from '../../scripts/promtool-timeline';

describe('reading promtool test output', () => {
  test('GIVEN failures at times with days and hours THEN each firing alert is placed at its minute', () => {
    const output = [
      'Unit Testing:  test.yml', '  FAILED:',
      '    alertname: A, time: 1d3m, ', '        exp:[], ', '        got:[', '            0:',
      '              Labels:{alertname="A", long_window="1h", severity="critical"}', '              Annotations:{}', '            ]',
      '    alertname: A, time: 2h, ', '        exp:[], ', '        got:[', '            0:',
      '              Labels:{alertname="A", long_window="6h"}', '              Annotations:{}', '            ]',
    ].join('\n');
    expect(parseFailures(output)).toEqual([
      { minute: 1443, labels: { alertname: 'A', long_window: '1h', severity: 'critical' } },
      { minute: 120, labels: { alertname: 'A', long_window: '6h' } },
    ]);
  });

  test('GIVEN phases THEN counters continue from where the last phase ended', () => {
    expect(counter([{ minutes: 3, perMinute: 10 }, { minutes: 0, perMinute: 99 }, { minutes: 2, perMinute: 5 }])).toBe('0+10x2 30+5x1');
  });
});
