/**
 * Rebuilds the search index now: creates a Job from the search-index-rebuild
 * CronJob template, follows it to the end, and appends an audit record.
 *
 *   npm run index-rebuild -- --context prod-eu --namespace search-prod [--dry-run] [--yes]
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { appendAudit, auditLogPath, checkAuditLogWritable } from './audit';
import { confirm, UsageError } from './confirm';

export const CRONJOB = 'search-index-rebuild';
const USAGE = `usage: npm run index-rebuild -- --context CTX --namespace NS [options]

Creates Job ${CRONJOB}-<time> from cronjob/${CRONJOB} and follows it until it completes or fails.

  --context CTX        kubectl context (required)
  --namespace NS       namespace of the environment (required)
  --timeout MINUTES    give up following after this long (default 120; the Job keeps running)
  --poll SECONDS       seconds between status checks (default 10)
  --dry-run            print the kubectl commands that would change something; change nothing
  --yes                do not ask for confirmation (required without a terminal)
  --audit-log FILE     default: $SEARCH_OPS_AUDIT_LOG, else ~/.search-ops/audit.log
  --help               this text
`;

interface Options {
  readonly context: string;
  readonly namespace: string;
  readonly timeoutMinutes: number;
  readonly pollSeconds: number;
  readonly dryRun: boolean;
  readonly yes: boolean;
  readonly auditLog: string;
}

function parse(argv: string[]): Options | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        context: { type: 'string' }, namespace: { type: 'string' }, timeout: { type: 'string', default: '120' }, poll: { type: 'string', default: '10' },
        'dry-run': { type: 'boolean', default: false }, yes: { type: 'boolean', default: false }, 'audit-log': { type: 'string' }, help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  for (const flag of ['context', 'namespace'] as const) {
    if (values[flag] === undefined || values[flag] === '') throw new UsageError(`--${flag} is required: the tool never guesses which cluster to act on`);
  }
  const positive = (flag: string, raw: string) => {
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new UsageError(`--${flag} ('${raw}') must be a positive number`);
    return value;
  };
  return {
    context: values.context!, namespace: values.namespace!, timeoutMinutes: positive('timeout', values.timeout!), pollSeconds: positive('poll', values.poll!),
    dryRun: values['dry-run']!, yes: values.yes!, auditLog: auditLogPath(values['audit-log']),
  };
}

function kubectl(options: Options, args: string[], mutating: boolean): string {
  const full = [...args, '--context', options.context, '--namespace', options.namespace];
  if (mutating) process.stdout.write(`+ kubectl ${full.join(' ')}\n`);
  if (mutating && options.dryRun) return '';
  return execFileSync(process.env.KUBECTL ?? 'kubectl', full, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/** Polls the Job until it reports Complete or Failed, or the timeout passes. */
async function follow(options: Options, job: string): Promise<'success' | 'failed' | 'timeout'> {
  const deadline = Date.now() + options.timeoutMinutes * 60_000;
  while (Date.now() < deadline) {
    const conditions = kubectl(options, ['get', 'job', job, '-o', 'jsonpath={range .status.conditions[*]}{.type}={.status}{"\\n"}{end}'], false);
    if (/^Complete=True$/m.test(conditions)) return 'success';
    if (/^Failed=True$/m.test(conditions)) return 'failed';
    process.stderr.write(`${new Date().toISOString()} job/${job} still running\n`);
    await sleep(options.pollSeconds);
  }
  return 'timeout';
}

export async function main(argv: string[]): Promise<number> {
  try {
    const parsed = parse(argv);
    if (parsed === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    const options: Options = parsed;
    checkAuditLogWritable(options.auditLog);
    const job = `${CRONJOB}-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-').toLowerCase()}`;
    await confirm(`Start job/${job} (index rebuild) in context '${options.context}', namespace '${options.namespace}'?`, options.yes || options.dryRun);
    const record = (result: 'success' | 'failed' | 'dry-run') => appendAudit(options.auditLog, {
      tool: 'index-rebuild', action: 'rebuild-index',
      target: { context: options.context, namespace: options.namespace, cronjob: CRONJOB, job },
      dry_run: options.dryRun, result,
    });
    kubectl(options, ['get', 'cronjob', CRONJOB, '-o', 'name'], false);
    try {
      kubectl(options, ['create', 'job', job, `--from=cronjob/${CRONJOB}`], true);
      if (options.dryRun) {
        record('dry-run');
        return 0;
      }
      const outcome = await follow(options, job);
      record(outcome === 'success' ? 'success' : 'failed');
      process.stdout.write(outcome === 'success' ? `index rebuild job/${job} completed\n` : `index rebuild job/${job} ${outcome === 'failed' ? 'FAILED' : 'still running after the timeout'}: see runbooks/rebuild-index.md\n`);
      try {
        process.stdout.write(kubectl(options, ['logs', `job/${job}`, '--tail=20'], false));
      } catch {
        process.stderr.write(`could not read the logs of job/${job}; the outcome above stands\n`);
      }
      return outcome === 'success' ? 0 : 1;
    } catch (error) {
      // Anything after the create may have changed the cluster: it is audited either way.
      record('failed');
      throw error;
    }
  } catch (error) {
    process.stderr.write(`index-rebuild: ${(error as Error).message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => process.exit(code));
