import { DependencyCheck } from './dependency-check';

export interface HttpCheckOptions {
  readonly name: string;
  /** The full URL to GET. */
  readonly url: string;
  readonly timeoutMs: number;
  /** @defaultValue true */
  readonly critical?: boolean;
}

/** An HTTP GET that must answer 2xx before the timeout (the embedding service). */
export function httpCheck(options: HttpCheckOptions): DependencyCheck {
  return {
    name: options.name,
    critical: options.critical ?? true,
    timeoutMs: options.timeoutMs,
    async check(signal) {
      const response = await fetch(options.url, { signal, redirect: 'manual' });
      await response.body?.cancel();
      if (response.status < 200 || response.status > 299) throw new Error(`answered HTTP ${response.status}`);
    },
  };
}
