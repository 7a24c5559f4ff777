/**
 * Removes the search engine's cache keys from Redis by prefix: SCAN with MATCH
 * and COUNT, UNLINK each batch. Never FLUSHALL or FLUSHDB: other keys in the
 * same database are left alone. Safe to interrupt (Ctrl-C stops after the
 * current batch) and to run again (a rerun finishes the job). Appends one line
 * to the audit log (scripts/audit-log.md). Runbook: runbooks/flush-cache.md.
 *
 *   npm run cache-flush -- --host HOST --prefix search: --dry-run   # count first
 *   npm run cache-flush -- --host HOST --prefix search: --yes
 *
 * Exit codes: 0 done (or dry run done), 1 a Redis error, 2 refused (nothing
 * changed, no audit line), 130 interrupted (partly done, audit line written).
 */
import Redis from 'ioredis';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { appendAudit, AuditResult, auditLogPath, checkAuditLogWritable, defaultAuditLogPath } from './audit';

export const TOOL = 'cache-flush';
export const ACTION = 'flush-cache';
export const DEFAULT_PORT = 6379;
/** SCAN COUNT and keys per UNLINK. */
export const DEFAULT_BATCH = 1000;
/** Larger batches hold Redis' single thread longer per command. */
export const MAX_BATCH = 100_000;
/** How often the CLI reports progress on stderr. */
const PROGRESS_INTERVAL_MS = 1000;
const CONNECT_TIMEOUT_MS = 5000;
const COMMAND_TIMEOUT_MS = 30_000;

export interface FlushOptions {
  /** The engine's key prefix, e.g. `search:`; matched literally (glob characters are escaped). */
  readonly prefix: string;
  /** SCAN COUNT, and the most keys one UNLINK removes. @defaultValue 1000 */
  readonly batch?: number;
  /** SCAN and count only; remove nothing. @defaultValue false */
  readonly dryRun?: boolean;
  /** Aborting it stops the flush after the current batch. @defaultValue - never stops early */
  readonly signal?: AbortSignal;
  /** Called after every batch with the running totals. @defaultValue - none */
  readonly onBatch?: (progress: FlushProgress) => void;
}

export interface FlushProgress {
  /** Keys returned by SCAN. SCAN may return a key twice while Redis resizes its table, so this can exceed the real count slightly. */
  readonly scanned: number;
  /** Keys that UNLINK actually removed (0 in a dry run). */
  readonly removed: number;
  readonly elapsedMs: number;
}

export interface FlushResult extends FlushProgress {
  /** True when the signal stopped the flush before SCAN covered the whole keyspace. */
  readonly interrupted: boolean;
}

/** A Redis error during the flush, with what was done before it. */
export class FlushError extends Error {
  public constructor(cause: unknown, public readonly progress: FlushProgress) {
    super((cause as Error)?.message ?? String(cause), { cause });
    this.name = 'FlushError';
  }
}

/** Refused input: printed as is, exit 2. */
export class UsageError extends Error {
  public constructor(public readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'UsageError';
  }
}

/** A value as shown in messages: bare when unambiguous, else single-quoted. */
function show(value: string): string {
  return /^[\w.:/@-]+$/.test(value) ? value : `'${value}'`;
}

/** Why a prefix is refused, or undefined. `name` is how the caller calls it (`--prefix`, `prefix`). */
export function prefixProblem(prefix: string, name: string): string | undefined {
  if (prefix === '') return `'${name}' ('') must not be empty: an empty prefix matches every key, and this tool never empties the whole database`;
  if (prefix === '*') return `'${name}' ('*') must be the engine's key prefix (e.g. search:), not '*': this tool removes keys by prefix, never the whole database`;
  return undefined;
}

function batchProblem(batch: number, shown: string, name: string): string | undefined {
  return Number.isInteger(batch) && batch >= 1 && batch <= MAX_BATCH ? undefined : `'${name}' (${shown}) must be an integer between 1 and ${MAX_BATCH}`;
}

/** The SCAN MATCH pattern: the prefix with Redis glob characters (`* ? [ ] \`) escaped, then `*`. */
export function matchPattern(prefix: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/**
 * Removes every key that starts with `prefix` with SCAN and UNLINK, one batch
 * per round trip (the UNLINK of a batch and the SCAN for the next one share a
 * pipeline). Keys are handled as bytes, so binary keys are removed too. SCAN
 * returns every key present for the whole run, so a run stopped by the signal
 * or an error is finished by running again.
 */
export async function flushByPrefix(redis: Redis, options: FlushOptions): Promise<FlushResult> {
  const batch = options.batch ?? DEFAULT_BATCH;
  const dryRun = options.dryRun ?? false;
  const problems = [prefixProblem(options.prefix, 'prefix'), batchProblem(batch, String(batch), 'batch')].filter((p) => p !== undefined);
  if (problems.length > 0) throw new UsageError(problems);
  const pattern = matchPattern(options.prefix);
  const aborted = () => options.signal?.aborted === true;
  const started = performance.now();
  let scanned = 0;
  let removed = 0;
  const progress = (): FlushProgress => ({ scanned, removed, elapsedMs: performance.now() - started });
  if (aborted()) return { ...progress(), interrupted: true };
  try {
    let [cursorBytes, keys] = await redis.scanBuffer('0', 'MATCH', pattern, 'COUNT', batch);
    for (;;) {
      scanned += keys.length;
      const cursor = cursorBytes.toString();
      const last = cursor === '0';
      const pipeline = redis.pipeline();
      if (!dryRun) for (const chunk of chunks(keys, batch)) pipeline.unlink(...chunk);
      const unlinks = pipeline.length;
      const more = !last && !aborted();
      if (more) pipeline.scanBuffer(cursor, 'MATCH', pattern, 'COUNT', batch);
      if (pipeline.length > 0) {
        const replies = (await pipeline.exec()) ?? [];
        // Count what the batch removed before reporting the first error.
        for (let i = 0; i < unlinks; i++) if (replies[i][0] === null) removed += replies[i][1] as number;
        const failed = replies.find(([error]) => error !== null);
        if (failed !== undefined) throw failed[0];
        if (more) [cursorBytes, keys] = replies[unlinks][1] as [Buffer, Buffer[]];
      }
      options.onBatch?.(progress());
      if (!more || aborted()) return { ...progress(), interrupted: !last };
    }
  } catch (error) {
    throw new FlushError(error, progress());
  }
}

export interface CliFlags {
  readonly host: string;
  readonly port: number;
  readonly prefix: string;
  readonly batch: number;
  readonly dryRun: boolean;
  readonly yes: boolean;
  /** @defaultValue - `$SEARCH_OPS_AUDIT_LOG`, else `~/.search-ops/audit.log` */
  readonly auditLog: string | undefined;
}

const VALUE_FLAGS = ['--host', '--port', '--prefix', '--batch', '--audit-log'] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];
const SWITCHES = ['--dry-run', '--yes', '--help', '-h'] as const;
type Switch = (typeof SWITCHES)[number];

/** Parses and validates the command line; `'help'` for `--help`. Throws a {@link UsageError} naming every problem. */
export function parseFlags(argv: readonly string[]): CliFlags | 'help' {
  const values = new Map<ValueFlag, string>();
  const switches = new Set<Switch>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    if ((VALUE_FLAGS as readonly string[]).includes(flag)) {
      let value = inline;
      if (value === undefined) {
        value = argv[i + 1];
        if (value === undefined || value.startsWith('--')) throw new UsageError([`${flag} needs a value`]);
        i++;
      }
      if (values.has(flag as ValueFlag)) throw new UsageError([`${flag} given twice (${show(values.get(flag as ValueFlag)!)} and ${show(value)})`]);
      values.set(flag as ValueFlag, value);
    } else if ((SWITCHES as readonly string[]).includes(flag)) {
      if (inline !== undefined) throw new UsageError([`${flag} takes no value (got ${show(inline)})`]);
      switches.add(flag as Switch);
    } else if (flag === '--password') {
      throw new UsageError(['--password is not a flag: set REDIS_PASSWORD in the environment, which keeps it out of shell history and process lists']);
    } else {
      throw new UsageError([flag.startsWith('-') ? `unknown flag ${show(flag)} (see --help)` : `unexpected argument ${show(arg)} (see --help)`]);
    }
  }
  if (switches.has('--help') || switches.has('-h')) return 'help';

  const problems: string[] = [];
  const host = values.get('--host');
  if (host === undefined) problems.push('missing required flag --host HOST; refusing to act on an implicit Redis');
  else if (host === '') problems.push(`'--host' ('') must not be empty`);
  const prefix = values.get('--prefix');
  if (prefix === undefined) problems.push("missing required flag --prefix PREFIX (the engine's key prefix, e.g. search:)");
  else {
    const problem = prefixProblem(prefix, '--prefix');
    if (problem !== undefined) problems.push(problem);
  }
  const portText = values.get('--port') ?? String(DEFAULT_PORT);
  const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) problems.push(`'--port' (${show(portText)}) must be an integer between 1 and 65535`);
  const batchText = values.get('--batch') ?? String(DEFAULT_BATCH);
  const batch = /^\d+$/.test(batchText) ? Number(batchText) : NaN;
  const batchIssue = batchProblem(batch, show(batchText), '--batch');
  if (batchIssue !== undefined) problems.push(batchIssue);
  const auditLog = values.get('--audit-log');
  if (auditLog === '') problems.push(`'--audit-log' ('') must be a file path`);
  if (problems.length > 0) throw new UsageError(problems);

  return { host: host!, port, prefix: prefix!, batch, dryRun: switches.has('--dry-run'), yes: switches.has('--yes'), auditLog };
}

function usage(): string {
  return `Usage: npm run cache-flush -- --host HOST --prefix PREFIX [options]

Removes every key that starts with PREFIX from one Redis server (SCAN, then
UNLINK in batches). Never FLUSHALL or FLUSHDB: keys without the prefix stay.
Ctrl-C stops after the current batch; running again finishes the job.

Required:
  --host HOST         the Redis server (a single server, not Redis Cluster)
  --prefix PREFIX     the engine's key prefix, e.g. search: (matched literally:
                      glob characters are escaped; '' and '*' are refused)

Options:
  --port PORT         default: ${DEFAULT_PORT}
  --batch N           SCAN COUNT and keys per UNLINK, 1 to ${MAX_BATCH} (default: ${DEFAULT_BATCH})
  --dry-run           SCAN and count the matching keys, remove nothing
                      (needs no confirmation)
  --yes               do not ask for confirmation (required without a TTY)
  --audit-log FILE    default: ${defaultAuditLogPath()}
  --help              this text

Environment:
  REDIS_PASSWORD      the Redis password (there is no flag for it; never printed)
  SEARCH_OPS_ACTOR    who acts, for the audit log (default: user@host)
  SEARCH_OPS_AUDIT_LOG  the audit log when --audit-log is not given

Exit codes: 0 done, 1 a Redis error, 2 refused (nothing changed), 130 interrupted.
`;
}

function refuse(problems: readonly string[]): never {
  for (const problem of problems) process.stderr.write(`${TOOL}: ${problem}\n`);
  process.exit(2);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function rate(keys: number, ms: number): string {
  return `${Math.round(keys / Math.max(ms / 1000, 0.001))} keys/s`;
}

/** Asks on the terminal; Ctrl-C or end of input is a no. */
async function confirmed(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await new Promise<string>((resolve) => {
    rl.on('SIGINT', () => { process.stderr.write('\n'); rl.close(); });
    rl.on('close', () => resolve(''));
    rl.question(question, resolve);
  });
  rl.close();
  return /^(y|yes)$/i.test(answer.trim());
}

async function main(argv: readonly string[]): Promise<number> {
  let flags: CliFlags | 'help';
  try {
    flags = parseFlags(argv);
  } catch (error) {
    if (error instanceof UsageError) refuse(error.problems);
    throw error;
  }
  if (flags === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  const { host, port, prefix, batch, dryRun } = flags;
  const auditLog = auditLogPath(flags.auditLog);
  // Checked before acting: an unaudited flush is not allowed.
  try {
    checkAuditLogWritable(auditLog);
  } catch (error) {
    refuse([(error as Error).message]);
  }
  if (!dryRun && !flags.yes && !process.stdin.isTTY) refuse(['stdin is not a terminal and --yes was not given; refusing to act without confirmation']);

  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const pattern = matchPattern(prefix);
  let audited = false;
  let last: FlushProgress = { scanned: 0, removed: 0, elapsedMs: 0 };
  const audit = (result: AuditResult) => {
    if (audited) return;
    audited = true;
    appendAudit(auditLog, { tool: TOOL, action: ACTION, target: { host, port, prefix }, dry_run: dryRun, result, keys_removed: last.removed });
  };

  const password = process.env.REDIS_PASSWORD;
  const redis = new Redis({
    host,
    port,
    password: password === '' ? undefined : password,
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    // A lost connection fails the run at once; a rerun picks up where it stopped.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // ioredis reports why a connection failed only as an event; commands then fail with 'Connection is closed.'.
  let connectionError: Error | undefined;
  redis.on('error', (error: Error) => { connectionError = error; });

  const fail = (error: unknown): number => {
    if (error instanceof FlushError) last = error.progress;
    audit('failed');
    const reason = connectionError !== undefined ? `${(error as Error).message} (${connectionError.message})` : (error as Error).message;
    process.stderr.write(`${TOOL}: FAILED on ${where} after removing ${last.removed} keys matching ${show(pattern)}: ${reason}\n`);
    process.stderr.write(`${TOOL}: keys not yet removed are intact; run the same command again to finish. Audit line appended to ${auditLog}\n`);
    redis.disconnect();
    return 1;
  };

  let dbsize: number;
  try {
    await redis.connect();
    const cluster = await redis.info('cluster').catch(() => '');
    if (/^cluster_enabled:1\b/m.test(cluster)) {
      redis.disconnect();
      refuse([`${where} is a Redis Cluster node; this tool handles a single Redis server (SCAN sees one node only)`]);
    }
    dbsize = await redis.dbsize();
  } catch (error) {
    return fail(error);
  }

  if (!dryRun && !flags.yes && !(await confirmed(`Remove every key matching ${show(pattern)} from ${where} (${dbsize} keys in the database)? [y/N] `))) {
    redis.disconnect();
    refuse(['not confirmed; nothing changed']);
  }

  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      process.stderr.write(`\n${TOOL}: ${signal}: stopping after the current batch (again to quit at once)\n`);
      controller.abort();
      return;
    }
    audit('interrupted');
    process.stderr.write(`${TOOL}: ${signal} again: quitting now, at least ${last.removed} keys removed; audit line appended to ${auditLog}\n`);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  process.stderr.write(`${TOOL}: ${dryRun ? 'counting' : 'removing'} keys matching ${show(pattern)} on ${where} (${dbsize} keys in the database), ${batch} per batch; Ctrl-C stops after the current batch\n`);
  let reported = performance.now();
  let result: FlushResult;
  try {
    result = await flushByPrefix(redis, {
      prefix,
      batch,
      dryRun,
      signal: controller.signal,
      onBatch: (progress) => {
        last = progress;
        if (performance.now() - reported < PROGRESS_INTERVAL_MS) return;
        reported = performance.now();
        process.stderr.write(`${TOOL}: ${dryRun ? `${progress.scanned} keys match` : `${progress.removed} keys removed`} so far (${seconds(progress.elapsedMs)})\n`);
      },
    });
  } catch (error) {
    return fail(error);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  last = result;
  redis.disconnect();

  const took = `${seconds(result.elapsedMs)}, ${rate(dryRun ? result.scanned : result.removed, result.elapsedMs)}`;
  if (result.interrupted) {
    audit('interrupted');
    process.stdout.write(dryRun
      ? `interrupted: ${result.scanned} keys matching ${show(pattern)} on ${where} counted (${took}) before stopping; nothing removed\n`
      : `interrupted: removed ${result.removed} keys matching ${show(pattern)} from ${where} (${took}) before stopping; run the same command again to remove the rest\n`);
    process.stdout.write(`audit line appended to ${auditLog}\n`);
    return 130;
  }
  if (dryRun) {
    audit('dry-run');
    process.stdout.write(`dry run: ${result.scanned} keys match ${show(pattern)} on ${where} (${took}); nothing removed\n`);
  } else {
    audit('success');
    process.stdout.write(`removed ${result.removed} keys matching ${show(pattern)} from ${where} (${took})\n`);
  }
  process.stdout.write(`audit line appended to ${auditLog}\n`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (error) => {
      process.stderr.write(`${TOOL}: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
