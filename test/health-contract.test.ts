import {
  DRAIN_TIMEOUT_SECONDS, EXIT_MARGIN_SECONDS, LIVENESS_PROBE, READINESS_PROBE, SHUTDOWN_DELAY_SECONDS, STARTUP_PROBE,
  TERMINATION_GRACE_PERIOD_SECONDS,
} from '../health/contract';

describe('the shutdown timeline of the health contract', () => {
  test('the shutdown delay outlasts the time the kubelet needs to see readiness fail', () => {
    expect(SHUTDOWN_DELAY_SECONDS).toBeGreaterThan(READINESS_PROBE.periodSeconds * READINESS_PROBE.failureThreshold);
  });

  test('the grace period covers delay, drain and exit margin', () => {
    expect(TERMINATION_GRACE_PERIOD_SECONDS).toBe(SHUTDOWN_DELAY_SECONDS + DRAIN_TIMEOUT_SECONDS + EXIT_MARGIN_SECONDS);
    expect(EXIT_MARGIN_SECONDS).toBeGreaterThan(0);
  });

  test.each([['startup', STARTUP_PROBE], ['liveness', LIVENESS_PROBE], ['readiness', READINESS_PROBE]])(
    'the %s probe times out before its next period', (_name, probe) => {
      expect(probe.timeoutSeconds).toBeLessThan(probe.periodSeconds);
      expect(probe.successThreshold).toBe(1);
    });
});
