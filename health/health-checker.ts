import { performance } from 'node:perf_hooks';
import { abortable, DependencyCheck } from './checks/dependency-check';
import { HealthMetrics } from './metrics';
import { redactText } from './redact';

export const CheckState = { UNKNOWN: 'unknown', UP: 'up', DOWN: 'down' } as const;
export type CheckState = (typeof CheckState)[keyof typeof CheckState];

export interface CheckStatus {
  readonly name: string;
  readonly critical: boolean;
  readonly state: CheckState;
  readonly latencyMs: number | null;
  readonly error: string | null;
}

/** The subset of a pino logger the checker writes to. */
export interface CheckLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export interface HealthCheckerOptions {
  readonly checks: readonly DependencyCheck[];
  readonly intervalMs: number;
  readonly metrics: HealthMetrics;
  readonly log: CheckLogger;
}

/**
 * Runs every check concurrently, each bounded by its own timeout, then waits
 * `intervalMs` and runs them again. Probes read the last results and never wait.
 */
export class HealthChecker {
  private readonly statuses = new Map<string, CheckStatus>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private rounds = 0;

  public constructor(private readonly options: HealthCheckerOptions) {
    const names = new Set<string>();
    for (const check of options.checks) {
      if (names.has(check.name)) throw new Error(`checks: the name '${check.name}' is used twice; check names must be unique`);
      names.add(check.name);
      this.statuses.set(check.name, { name: check.name, critical: check.critical, state: CheckState.UNKNOWN, latencyMs: null, error: null });
    }
  }

  /** Starts the first round at once; later rounds follow the interval. */
  public start(): void {
    if (this.running !== undefined || this.stopped) return;
    this.schedule(0);
  }

  /** Stops scheduling, waits for a round in progress, and closes every check's client. */
  public async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await Promise.allSettled(this.options.checks.map((check) => check.close?.()));
  }

  public get completedRounds(): number {
    return this.rounds;
  }

  /** Ready once a round completed and every critical check was up in the last one. */
  public isReady(): boolean {
    return this.rounds > 0 && this.list().every((s) => !s.critical || s.state === CheckState.UP);
  }

  public isDegraded(): boolean {
    return this.list().some((s) => !s.critical && s.state === CheckState.DOWN);
  }

  public list(): CheckStatus[] {
    return [...this.statuses.values()];
  }

  /** One round of every check; exposed so tests and the first probe can await it. */
  public async runRound(): Promise<void> {
    await Promise.all(this.options.checks.map((check) => this.runCheck(check)));
    this.rounds++;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.runRound().finally(() => {
        this.running = undefined;
        if (!this.stopped) this.schedule(this.options.intervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async runCheck(check: DependencyCheck): Promise<void> {
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(new Error(`timed out after ${check.timeoutMs} ms`)), check.timeoutMs);
    const started = performance.now();
    let error: string | null = null;
    try {
      // The race enforces the timeout even for a check that ignores its signal.
      await abortable(check.check(controller.signal), controller.signal);
    } catch (thrown) {
      error = redactText(thrown instanceof Error ? thrown.message : String(thrown)) || 'failed without a message';
    } finally {
      clearTimeout(timeout);
    }
    const seconds = (performance.now() - started) / 1000;
    this.record(check, error, seconds);
  }

  private record(check: DependencyCheck, error: string | null, seconds: number): void {
    const previous = this.statuses.get(check.name)!;
    const state = error === null ? CheckState.UP : CheckState.DOWN;
    const latencyMs = Math.round(seconds * 10000) / 10;
    this.statuses.set(check.name, { ...previous, state, latencyMs, error });
    this.options.metrics.checkUp.set({ check: check.name }, state === CheckState.UP ? 1 : 0);
    this.options.metrics.checkDuration.observe({ check: check.name }, seconds);
    if (previous.state === state) return;
    const entry = { check: check.name, critical: check.critical, from: previous.state, to: state, latencyMs, error };
    if (state === CheckState.UP) this.options.log.info(entry, `dependency check '${check.name}' is up`);
    else this.options.log.warn(entry, `dependency check '${check.name}' is down`);
  }
}
