import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { dependencyEndpoints } from './dependency-endpoints';
import { engineEnv } from './engine-pod-template';
import { EnvironmentSpec } from './environment-spec';
import { ENGINE_NAME } from './identity';
import { DNS_EGRESS, dependencyEgress } from './network-policies';
import { ScheduledJob } from './scheduled-job';

export const INDEX_REBUILD_NAME = 'search-index-rebuild';
export const DEFAULT_REBUILD_COMMAND: readonly string[] = ['/usr/local/bin/search-engine', '--rebuild-index'];

export interface IndexRebuildProps {
  readonly spec: EnvironmentSpec;
}

/**
 * The index rebuild as a CronJob: on a schedule, or a suspended template that
 * scripts/index-rebuild.ts turns into a Job. It runs the engine image with the
 * engine's dependencies, and only the egress they need.
 * @see runbooks/rebuild-index.md
 */
export class IndexRebuild extends Construct {
  public constructor(scope: Construct, id: string, props: IndexRebuildProps) {
    super(scope, id);
    const { spec } = props;
    const podLabels = { 'app.kubernetes.io/name': INDEX_REBUILD_NAME };
    new ScheduledJob(this, 'Job', {
      name: INDEX_REBUILD_NAME,
      namespace: spec.namespace,
      schedule: spec.indexRebuild?.schedule,
      image: spec.image,
      command: spec.indexRebuild?.command ?? DEFAULT_REBUILD_COMMAND,
      env: engineEnv(spec),
      resources: spec.resources.engine,
      // The engine's account: no API token, nothing more.
      serviceAccountName: ENGINE_NAME,
      podLabels,
    });
    new ApiObject(this, 'NetworkPolicy', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `${INDEX_REBUILD_NAME}-egress`, namespace: spec.namespace },
      spec: { podSelector: { matchLabels: podLabels }, policyTypes: ['Egress'], egress: [DNS_EGRESS, ...dependencyEndpoints(spec.dependencies).map(dependencyEgress)] },
    });
  }
}
