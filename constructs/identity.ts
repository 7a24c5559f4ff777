import { Duration } from 'cdk8s';
import { METRICS_SERVICE } from '../monitoring/conventions';
import { ImageSpec } from './environment-spec';

/** Names that operators, scripts and runbooks rely on; declared once. */
export const ENGINE_NAME = 'search-engine';
export const STABLE_NAME = `${ENGINE_NAME}-stable`;
export const CANARY_NAME = `${ENGINE_NAME}-canary`;
export const PREVIEW_NAME = `${ENGINE_NAME}-preview`;
export const METRICS_SERVICE_NAME = METRICS_SERVICE;
export const PART_OF = 'search-ops';

/** Pod label that tells stable from canary pods (DESIGN.md, metric contract). */
export const TRACK_LABEL = 'track';
export const Track = { STABLE: 'stable', CANARY: 'canary' } as const;
export type Track = (typeof Track)[keyof typeof Track];

export const ENVIRONMENT_LABEL = 'search-ops.io/environment';
/** Marks the one Service that monitoring scrapes; the stable and canary Services select the same pods. */
export const SCRAPE_LABEL = 'search-ops.io/scrape';

/** `repository:tag`, or `repository:tag@digest` when a digest pins the content. */
export function imageReference(image: ImageSpec): string {
  const tagged = `${image.repository}:${image.tag}`;
  return image.digest === undefined ? tagged : `${tagged}@${image.digest}`;
}

/** Argo Rollouts and Go durations: the largest whole unit, `5m` rather than `300s`. */
export function goDuration(duration: Duration): string {
  const seconds = duration.toSeconds();
  if (seconds > 0 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds > 0 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
