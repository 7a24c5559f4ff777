/**
 * The SLO model: plain data, no logic beyond merging overrides onto defaults.
 * Defaults are the prod objectives of DESIGN.md; every environment may override them.
 */

/** SLO windows the burn-rate alerting scheme is defined for. */
export type SloWindow = '30d';

export interface AvailabilitySlo {
  /** Share of requests that must not fail with a 5xx, in (0, 1). */
  readonly objective: number;
  readonly window: SloWindow;
}

export interface LatencySlo {
  /** Share of requests that must finish under `thresholdSeconds`, in (0, 1). */
  readonly objective: number;
  /** Must be one of the request duration histogram's buckets. */
  readonly thresholdSeconds: number;
  readonly window: SloWindow;
}

export interface FreshnessSlo {
  /** Share of time during which the index is fresher than `maxAgeSeconds`, in (0, 1). */
  readonly objective: number;
  readonly maxAgeSeconds: number;
  readonly window: SloWindow;
}

export interface SloSpec {
  readonly availability: AvailabilitySlo;
  readonly latency: LatencySlo;
  readonly freshness: FreshnessSlo;
}

/** Per-environment overrides: any field of any SLI. */
export type SloOverrides = { readonly [K in keyof SloSpec]?: Partial<SloSpec[K]> };

export const DEFAULT_SLO: SloSpec = {
  availability: { objective: 0.999, window: '30d' },
  latency: { objective: 0.99, thresholdSeconds: 0.3, window: '30d' },
  freshness: { objective: 0.99, maxAgeSeconds: 600, window: '30d' },
};

export function resolveSlo(overrides: SloOverrides = {}): SloSpec {
  return {
    availability: { ...DEFAULT_SLO.availability, ...overrides.availability },
    latency: { ...DEFAULT_SLO.latency, ...overrides.latency },
    freshness: { ...DEFAULT_SLO.freshness, ...overrides.freshness },
  };
}
