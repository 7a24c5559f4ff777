import { performance } from 'node:perf_hooks';
import { evaluate } from './argo-expr';

/**
 * Evaluates AnalysisTemplates the way Argo Rollouts documents it, against a live
 * Prometheus HTTP API: one measurement per `interval` up to `count`, each
 * Successful, Failed, Inconclusive (neither condition holds) or Error (the query
 * or the condition failed); a metric ends Failed past `failureLimit`, Inconclusive
 * past `inconclusiveLimit`, Error past `consecutiveErrorLimit`; the run ends as
 * soon as one metric fails, and otherwise takes the worst metric phase.
 * @see https://argo-rollouts.readthedocs.io/en/stable/features/analysis/
 */

export const Phase = { SUCCESSFUL: 'Successful', FAILED: 'Failed', INCONCLUSIVE: 'Inconclusive', ERROR: 'Error' } as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

export interface MetricSpec {
  readonly name: string;
  readonly interval?: string;
  readonly count?: number;
  readonly failureLimit?: number;
  readonly inconclusiveLimit?: number;
  readonly consecutiveErrorLimit?: number;
  readonly successCondition?: string;
  readonly failureCondition?: string;
  readonly provider: { readonly prometheus: { readonly address: string; readonly query: string } };
}

export interface TemplateSpec {
  readonly args?: readonly { readonly name: string; readonly value?: string }[];
  readonly metrics: readonly MetricSpec[];
}

export interface Measurement {
  readonly metric: string;
  readonly phase: Phase;
  readonly atMs: number;
  readonly value?: readonly number[];
  readonly message?: string;
}

export interface AnalysisResult {
  readonly phase: Phase;
  /** Milliseconds from the start of the run to its end: for a failed run, the time to abort. */
  readonly elapsedMs: number;
  readonly metrics: Readonly<Record<string, Phase>>;
  readonly measurements: readonly Measurement[];
}

/** Argo's defaults (v1.9): a metric without a count runs once; limits 0; 4 consecutive errors. */
const DEFAULTS = { count: 1, failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 4 } as const;

export function durationMs(duration: string): number {
  const match = /^(\d+)(ms|s|m|h)$/.exec(duration);
  if (!match) throw new Error(`unsupported duration '${duration}'`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
}

/** Replaces `{{args.name}}` by the run's argument values; an unknown argument is an error, as in Argo. */
export function substituteArgs(text: string, args: Readonly<Record<string, string>>): string {
  return text.replace(/\{\{\s*args\.([\w-]+)\s*\}\}/g, (_, name: string) => {
    if (!(name in args)) throw new Error(`argument '${name}' was not supplied`);
    return args[name];
  });
}

async function query(address: string, promql: string, timeoutMs: number): Promise<number[]> {
  const url = `${address.replace(/\/$/, '')}/api/v1/query?query=${encodeURIComponent(promql)}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = await response.json() as { status: string; error?: string; data: { resultType: string; result: unknown } };
  if (body.status !== 'success') throw new Error(`prometheus: ${body.error ?? response.status}`);
  if (body.data.resultType === 'scalar') return [Number((body.data.result as [number, string])[1])];
  return (body.data.result as { value: [number, string] }[]).map((sample) => Number(sample.value[1]));
}

interface RunOptions {
  readonly args: Readonly<Record<string, string>>;
  /** Per-query timeout. @defaultValue 5000 */
  readonly queryTimeoutMs?: number;
}

/** Runs several templates as one AnalysisRun, as a Rollout's analysis step does. */
export async function runAnalysis(templates: readonly TemplateSpec[], options: RunOptions): Promise<AnalysisResult> {
  const started = performance.now();
  const measurements: Measurement[] = [];
  const phases: Record<string, Phase> = {};
  let terminated = false;
  let terminatedAtMs: number | undefined;

  const runMetric = async (metric: MetricSpec): Promise<void> => {
    const count = metric.count ?? DEFAULTS.count;
    const failureLimit = metric.failureLimit ?? DEFAULTS.failureLimit;
    const inconclusiveLimit = metric.inconclusiveLimit ?? DEFAULTS.inconclusiveLimit;
    const errorLimit = metric.consecutiveErrorLimit ?? DEFAULTS.consecutiveErrorLimit;
    const interval = metric.interval === undefined ? 0 : durationMs(metric.interval);
    const promql = substituteArgs(metric.provider.prometheus.query, options.args);
    let failed = 0;
    let inconclusive = 0;
    let consecutiveErrors = 0;
    for (let taken = 0; taken < count && !terminated; taken++) {
      if (taken > 0) await new Promise((resolve) => setTimeout(resolve, interval));
      if (terminated) return;
      let phase: Phase;
      let value: number[] | undefined;
      let message: string | undefined;
      try {
        value = await query(metric.provider.prometheus.address, promql, options.queryTimeoutMs ?? 5000);
        const success = metric.successCondition !== undefined && evaluate(metric.successCondition, value);
        const failure = metric.failureCondition !== undefined && evaluate(metric.failureCondition, value);
        phase = failure ? Phase.FAILED : success ? Phase.SUCCESSFUL : Phase.INCONCLUSIVE;
        consecutiveErrors = 0;
      } catch (error) {
        phase = Phase.ERROR;
        message = (error as Error).message;
        consecutiveErrors++;
      }
      measurements.push({ metric: metric.name, phase, atMs: performance.now() - started, value, message });
      if (phase === Phase.FAILED) failed++;
      if (phase === Phase.INCONCLUSIVE) inconclusive++;
      if (failed > failureLimit) {
        phases[metric.name] = Phase.FAILED;
        terminated = true;
        terminatedAtMs ??= performance.now() - started;
        return;
      }
      if (consecutiveErrors > errorLimit) { phases[metric.name] = Phase.ERROR; return; }
      if (inconclusive > inconclusiveLimit) { phases[metric.name] = Phase.INCONCLUSIVE; return; }
    }
    phases[metric.name] ??= consecutiveErrors > 0 ? Phase.ERROR : Phase.SUCCESSFUL;
  };

  await Promise.all(templates.flatMap((template) => template.metrics.map(runMetric)));
  const all = Object.values(phases);
  const phase = ([Phase.FAILED, Phase.ERROR, Phase.INCONCLUSIVE] as const).find((p) => all.includes(p)) ?? Phase.SUCCESSFUL;
  return { phase, elapsedMs: terminatedAtMs ?? performance.now() - started, metrics: phases, measurements };
}
