import { ApiObject, Cron, Duration } from 'cdk8s';
import { ContainerResources } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { ICronJobSpec } from 'kubernetes-models/batch/v1';
import type { IEnvVar, IVolume, IVolumeMount } from 'kubernetes-models/v1';
import { RESTRICTED_CONTAINER, RESTRICTED_POD, resourceRequirements } from './engine-pod-template';
import { ImageSpec } from './environment-spec';
import { imageReference } from './identity';

export interface ScheduledJobProps {
  readonly name: string;
  readonly namespace: string;
  /**
   * When to run.
   * @default - never: a suspended template for `kubectl create job --from=cronjob/<name>`
   */
  readonly schedule?: Cron;
  readonly image: ImageSpec;
  readonly command: readonly string[];
  readonly env?: readonly IEnvVar[];
  readonly resources: ContainerResources;
  readonly serviceAccountName: string;
  /** Labels of the job's pods, which its NetworkPolicy selects. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Volumes besides the writable /tmp. @default - none */
  readonly volumes?: readonly { readonly volume: IVolume; readonly mount: IVolumeMount }[];
  /** @default Duration.hours(1) */
  readonly activeDeadline?: Duration;
  /** @default 2 */
  readonly backoffLimit?: number;
}

/** Feb 31st: the schedule of a CronJob that is only ever a template. */
const NEVER = '0 0 31 2 *';

/**
 * A CronJob with the secure defaults: never two at once, bounded in time and
 * retries, restricted pod and container, a writable /tmp only.
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
export class ScheduledJob extends Construct {
  public readonly name: string;
  public readonly activeDeadline: Duration;
  public readonly backoffLimit: number;

  public constructor(scope: Construct, id: string, props: ScheduledJobProps) {
    super(scope, id);
    this.name = props.name;
    this.activeDeadline = props.activeDeadline ?? Duration.hours(1);
    this.backoffLimit = props.backoffLimit ?? 2;
    const extra = props.volumes ?? [];
    new ApiObject(this, 'Resource', {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        schedule: props.schedule?.expressionString ?? NEVER,
        suspend: props.schedule === undefined,
        concurrencyPolicy: 'Forbid',
        // A run missed by more than 10 minutes waits for the next one instead of piling up.
        startingDeadlineSeconds: 600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: this.backoffLimit,
            activeDeadlineSeconds: this.activeDeadline.toSeconds(),
            ttlSecondsAfterFinished: Duration.days(1).toSeconds(),
            template: {
              metadata: { labels: { ...props.podLabels } },
              spec: {
                restartPolicy: 'Never',
                serviceAccountName: props.serviceAccountName,
                automountServiceAccountToken: false,
                enableServiceLinks: false,
                securityContext: RESTRICTED_POD,
                containers: [{
                  name: 'job',
                  image: imageReference(props.image),
                  imagePullPolicy: 'IfNotPresent',
                  command: [...props.command],
                  env: [...(props.env ?? [])],
                  resources: resourceRequirements(props.resources),
                  securityContext: RESTRICTED_CONTAINER,
                  volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...extra.map((v) => v.mount)],
                }],
                volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } }, ...extra.map((v) => v.volume)],
              },
            },
          },
        },
      } satisfies ICronJobSpec,
    });
  }
}
