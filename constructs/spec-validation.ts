import { Duration, Size } from 'cdk8s';
import { ContainerResources, Cpu } from 'cdk8s-plus-27';
import { resolveSlo } from '../monitoring/slo';
import { sloErrors } from '../monitoring/slo-validation';
import { ConfigError, show } from './config-error';
import { percent, worstCaseBudgetBurn } from './canary-analysis';
import { BackupSpec, EnvironmentSpec, ImageSpec, RolloutStrategyKind, WorkloadKind } from './environment-spec';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const IMAGE_DIGEST = /^sha256:[a-f0-9]{64}$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** Collects the problems of one field at a time, each a complete sentence. */
class Problems {
  public readonly list: string[] = [];
  public constructor(private readonly env: string) {}

  public add(field: string, value: unknown, rule: string): void {
    this.list.push(`environment '${this.env}': '${field}' (${show(value)}) ${rule}`);
  }

  public check(ok: boolean, field: string, value: unknown, rule: string): boolean {
    if (!ok) this.add(field, value, rule);
    return ok;
  }

  public integerAtLeast(field: string, value: number, min: number, why = ''): void {
    this.check(Number.isInteger(value) && value >= min, field, value, `must be an integer of at least ${min}${why}`);
  }

  public between(field: string, value: number, min: number, max: number): void {
    this.check(Number.isInteger(value) && value >= min && value <= max, field, value, `must be an integer between ${min} and ${max}`);
  }

  public dnsLabel(field: string, value: string | undefined): void {
    if (value === undefined) return;
    this.check(DNS_LABEL.test(value), field, value, 'must be a DNS label: lower-case letters, digits and \'-\', at most 63 characters');
  }
}

/**
 * Validates every environment and the set of them; throws one ConfigError that
 * lists every problem found, before anything is constructed or written.
 */
export function validateEnvironments(environments: readonly EnvironmentSpec[]): void {
  const problems: string[] = [];
  if (environments.length === 0) problems.push('\'environments\' ([]) must declare at least one environment');
  environments.forEach((env) => problems.push(...environmentProblems(env)));
  problems.push(...uniquenessProblems(environments));
  if (problems.length > 0) throw new ConfigError(problems);
}

function uniquenessProblems(environments: readonly EnvironmentSpec[]): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  const namespaceOwners = new Map<string, string>();
  for (const env of environments) {
    const owner = namespaceOwners.get(env.namespace);
    if (names.has(env.name)) {
      problems.push(`environment '${env.name}': 'name' (${show(env.name)}) is declared twice; environment names must be unique`);
    } else if (owner !== undefined) {
      problems.push(`environment '${env.name}': 'namespace' (${show(env.namespace)}) is already used by environment '${owner}'; namespaces must be unique`);
    }
    names.add(env.name);
    namespaceOwners.set(env.namespace, env.name);
  }
  return problems;
}

export function environmentProblems(env: EnvironmentSpec): string[] {
  const p = new Problems(env.name);
  p.dnsLabel('name', env.name);
  p.dnsLabel('namespace', env.namespace);
  checkImage(p, 'image', env.image);
  checkReplicas(p, env);
  for (const container of ['engine', 'health'] as const) {
    checkResources(p, `resources.${container}`, env.resources[container]);
  }
  checkDependencies(p, env);
  checkDelivery(p, env);
  if (env.backup !== undefined) checkBackup(p, env.backup);
  p.dnsLabel('network.ingressNamespace', env.network?.ingressNamespace);
  p.dnsLabel('network.monitoringNamespace', env.network?.monitoringNamespace);
  for (const problem of sloErrors(resolveSlo(env.slo))) p.add(problem.field, problem.value, problem.rule);
  checkBudgetBurn(p, env);
  return p.list;
}

function checkImage(p: Problems, field: string, image: ImageSpec): void {
  const lastSegment = image.repository.split('/').pop() ?? '';
  p.check(image.repository.length > 0, `${field}.repository`, image.repository, 'must name the image repository');
  p.check(!lastSegment.includes(':') && !image.repository.includes('@'), `${field}.repository`, image.repository,
    `must not carry a tag or digest; set '${field}.tag' and '${field}.digest' instead`);
  if (image.tag === '') {
    p.add(`${field}.tag`, image.tag, 'must be a pinned tag, not empty');
  } else if (image.tag === 'latest') {
    p.add(`${field}.tag`, image.tag, 'must be a pinned tag, not \'latest\', so that every rollout is reproducible');
  } else {
    p.check(IMAGE_TAG.test(image.tag), `${field}.tag`, image.tag, `must match ${IMAGE_TAG}`);
  }
  if (image.digest !== undefined) {
    p.check(IMAGE_DIGEST.test(image.digest), `${field}.digest`, image.digest, `must match ${IMAGE_DIGEST}`);
  }
}

function checkReplicas(p: Problems, env: EnvironmentSpec): void {
  const { minReplicas, maxReplicas, targetCpuUtilization } = env.autoscaling;
  p.integerAtLeast('replicas', env.replicas, 1);
  p.integerAtLeast('autoscaling.minReplicas', minReplicas, 1);
  p.check(minReplicas <= maxReplicas, 'autoscaling.minReplicas', minReplicas,
    `must not exceed 'autoscaling.maxReplicas' (${maxReplicas})`);
  p.check(minReplicas > maxReplicas || (env.replicas >= minReplicas && env.replicas <= maxReplicas), 'replicas', env.replicas,
    `must be between 'autoscaling.minReplicas' (${minReplicas}) and 'autoscaling.maxReplicas' (${maxReplicas})`);
  if (targetCpuUtilization !== undefined) p.between('autoscaling.targetCpuUtilization', targetCpuUtilization, 1, 100);
  if (env.production === true) {
    p.check(env.replicas >= 2, 'replicas', env.replicas, 'must be at least 2 in a production environment, so that losing one pod is not an outage');
    p.check(minReplicas >= 2, 'autoscaling.minReplicas', minReplicas, 'must be at least 2 in a production environment, so that losing one pod is not an outage');
  }
  const maxUnavailable = env.maxUnavailable ?? 1;
  p.check(Number.isInteger(maxUnavailable) && maxUnavailable >= 1, 'maxUnavailable', maxUnavailable,
    'must be an integer of at least 1: a PodDisruptionBudget allowing no disruption blocks every node drain');
}

/** A request and a limit as written (`500m`, `512Mi`) and as comparable numbers. */
interface Quantity {
  readonly text: string;
  readonly value: number;
}

function cpuQuantity(cpu: Cpu | undefined): Quantity | undefined {
  if (cpu === undefined) return undefined;
  const amount = cpu.amount;
  return { text: amount, value: amount.endsWith('m') ? Number(amount.slice(0, -1)) : Number(amount) * 1000 };
}

function memoryQuantity(size: Size | undefined): Quantity | undefined {
  return size === undefined ? undefined : { text: `${size.toMebibytes()}Mi`, value: size.toKibibytes() };
}

function checkResources(p: Problems, field: string, resources: ContainerResources): void {
  const pairs = [
    ['cpu', cpuQuantity(resources.cpu?.request), cpuQuantity(resources.cpu?.limit)],
    ['memory', memoryQuantity(resources.memory?.request), memoryQuantity(resources.memory?.limit)],
  ] as const;
  for (const [kind, request, limit] of pairs) {
    if (request === undefined || limit === undefined) {
      p.add(`${field}.${kind}`, { request: request?.text, limit: limit?.text }, 'must set both a request and a limit: every container needs them');
      continue;
    }
    p.check(request.value > 0, `${field}.${kind}.request`, request.text, 'must be greater than zero');
    p.check(request.value <= limit.value, `${field}.${kind}.request`, request.text, `must not exceed the limit ('${limit.text}')`);
  }
}

function checkDependencies(p: Problems, env: EnvironmentSpec): void {
  const { mongodb, redis, embedding } = env.dependencies;
  const secret = mongodb.uriSecret;
  p.check(DNS_SUBDOMAIN.test(secret.name), 'dependencies.mongodb.uriSecret.name', secret.name,
    'must name an existing Secret that holds the MongoDB connection string');
  p.check(SECRET_KEY.test(secret.key), 'dependencies.mongodb.uriSecret.key', secret.key,
    'must name the key of that Secret: letters, digits, \'-\', \'_\' or \'.\'');
  p.between('dependencies.mongodb.port', mongodb.port, 1, 65535);
  p.check(DNS_SUBDOMAIN.test(redis.host), 'dependencies.redis.host', redis.host, 'must be a DNS name');
  p.between('dependencies.redis.port', redis.port, 1, 65535);
  p.check(isHttpUrl(embedding.url), 'dependencies.embedding.url', embedding.url, 'must be an http:// or https:// URL');
  p.check(/^[\w.@:\/-]{1,128}$/.test(embedding.modelVersion), 'dependencies.embedding.modelVersion', embedding.modelVersion,
    "must name a model version: letters, digits and '.', '@', ':', '/', '-', '_', at most 128 characters");
  p.dnsLabel('dependencies.mongodb.namespace', mongodb.namespace);
  p.dnsLabel('dependencies.redis.namespace', redis.namespace);
  p.dnsLabel('dependencies.embedding.namespace', embedding.namespace);
}

function checkBackup(p: Problems, backup: BackupSpec): void {
  const { volumeClaim, objectStorageUrl, objectStorageSecret } = backup.destination;
  p.check((volumeClaim === undefined) !== (objectStorageUrl === undefined), 'backup.destination', backup.destination,
    "must name exactly one of 'volumeClaim' and 'objectStorageUrl'");
  if (volumeClaim !== undefined) p.check(DNS_SUBDOMAIN.test(volumeClaim), 'backup.destination.volumeClaim', volumeClaim, 'must name an existing PersistentVolumeClaim');
  if (objectStorageUrl !== undefined) {
    p.check(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[\w./-]*)?$/.test(objectStorageUrl), 'backup.destination.objectStorageUrl', objectStorageUrl, 'must be s3://bucket/prefix');
    p.check(objectStorageSecret !== undefined && DNS_SUBDOMAIN.test(objectStorageSecret), 'backup.destination.objectStorageSecret', objectStorageSecret,
      'must name the Secret that holds the bucket credentials');
  }
  if (backup.retentionDays !== undefined) p.integerAtLeast('backup.retentionDays', backup.retentionDays, 1);
  positive(p, 'backup.rpo', backup.rpo);
  checkImage(p, 'backup.image', backup.image);
}

function isHttpUrl(url: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

function checkDelivery(p: Problems, env: EnvironmentSpec): void {
  const { canary, canaryImage, workload } = env.delivery;
  if (p.check(canary.steps.length > 0, 'delivery.canary.steps', [], 'must contain at least one step')) {
    canary.steps.forEach((step, i) => {
      const field = `delivery.canary.steps[${i}].weight`;
      p.between(field, step.weight, 1, 100);
      const previous = canary.steps[i - 1]?.weight;
      if (previous !== undefined) {
        p.check(step.weight > previous, field, step.weight, `must be greater than the previous step's weight (${previous})`);
      }
    });
  }
  positive(p, 'delivery.canary.progressDeadline', canary.progressDeadline);
  if (canary.abortScaleDownDelay !== undefined) {
    // Argo Rollouts honours it only for blue-green and traffic-routed canaries (rollout/replicaset.go, v1.9.1).
    p.check(env.delivery.strategy === RolloutStrategyKind.BLUE_GREEN, 'delivery.canary.abortScaleDownDelay', `${canary.abortScaleDownDelay.toSeconds()}s`,
      `applies only to the '${RolloutStrategyKind.BLUE_GREEN}' strategy: with no traffic router, Argo Rollouts scales an aborted canary down at once`);
    positive(p, 'delivery.canary.abortScaleDownDelay', canary.abortScaleDownDelay);
  }
  checkAnalysis(p, env);
  if (canaryImage !== undefined) {
    p.check(workload === WorkloadKind.DEPLOYMENTS, 'delivery.canaryImage', canaryImage.tag,
      `applies only to the '${WorkloadKind.DEPLOYMENTS}' workload; a Rollout takes its candidate from 'image'`);
    checkImage(p, 'delivery.canaryImage', canaryImage);
  }
}

function checkAnalysis(p: Problems, env: EnvironmentSpec): void {
  const { analysis = {}, strategy, workload, maxBudgetBurn } = env.delivery;
  positive(p, 'delivery.analysis.interval', analysis.interval);
  positive(p, 'delivery.analysis.rateWindow', analysis.rateWindow);
  if (analysis.measurements !== undefined) p.integerAtLeast('delivery.analysis.measurements', analysis.measurements, 1);
  if (analysis.failureLimit !== undefined) p.integerAtLeast('delivery.analysis.failureLimit', analysis.failureLimit, 0);
  if (analysis.inconclusiveLimit !== undefined) p.integerAtLeast('delivery.analysis.inconclusiveLimit', analysis.inconclusiveLimit, 0);
  if (analysis.consecutiveErrorLimit !== undefined) p.integerAtLeast('delivery.analysis.consecutiveErrorLimit', analysis.consecutiveErrorLimit, 0);
  if (analysis.prometheusUrl !== undefined) p.check(isHttpUrl(analysis.prometheusUrl), 'delivery.analysis.prometheusUrl', analysis.prometheusUrl, 'must be an http:// or https:// URL');
  if (maxBudgetBurn !== undefined) p.check(maxBudgetBurn > 0 && maxBudgetBurn <= 1, 'delivery.maxBudgetBurn', maxBudgetBurn, 'must be a share between 0 (excluded) and 1');
  if (strategy === RolloutStrategyKind.BLUE_GREEN) {
    p.check(workload !== WorkloadKind.DEPLOYMENTS, 'delivery.strategy', strategy, `needs the '${WorkloadKind.ROLLOUT}' workload: Deployments cannot switch a preview stack`);
  }
}

/** Only meaningful once everything it is computed from is valid. */
function checkBudgetBurn(p: Problems, env: EnvironmentSpec): void {
  const { strategy, workload } = env.delivery;
  if (p.list.length > 0 || (workload ?? WorkloadKind.ROLLOUT) !== WorkloadKind.ROLLOUT) return;
  const burn = worstCaseBudgetBurn(env);
  const field = strategy === RolloutStrategyKind.BLUE_GREEN ? 'delivery.strategy' : 'delivery.canary.steps[0].weight';
  const value = strategy === RolloutStrategyKind.BLUE_GREEN ? strategy : env.delivery.canary.steps[0].weight;
  p.check(burn.budgetShare <= burn.limit, field, value,
    `lets a completely broken version burn ${percent(burn.budgetShare)} of the error budget before it is aborted (${burn.exposure}), `
    + `above the limit of ${percent(burn.limit)} ('delivery.maxBudgetBurn'); abort sooner ('delivery.analysis') or raise the limit`);
}

function positive(p: Problems, field: string, duration: Duration | undefined): void {
  if (duration === undefined) return;
  p.check(duration.toSeconds() > 0, field, `${duration.toSeconds()}s`, 'must be longer than zero');
}
