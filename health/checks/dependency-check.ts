/** One dependency check: resolves when healthy, rejects (or is aborted) otherwise. */
export interface DependencyCheck {
  readonly name: string;
  /** A failing critical check takes the pod out of service; a non-critical one only degrades it. */
  readonly critical: boolean;
  readonly timeoutMs: number;
  check(signal: AbortSignal): Promise<void>;
  /** Releases the check's client, if it holds one. */
  close?(): Promise<void>;
}

/** Rejects as soon as `signal` aborts, with its reason. */
export function whenAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** Runs `operation` but gives up when `signal` aborts, whether or not the operation honours it. */
export function abortable<T>(operation: Promise<T>, signal: AbortSignal): Promise<T> {
  operation.catch(() => undefined); // a late rejection after the abort is expected, not unhandled
  return Promise.race([operation, whenAborted(signal)]);
}
