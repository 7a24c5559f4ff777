import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { auditLine, auditLogPath, auditActor, defaultAuditLogPath } from '../../scripts/audit';
import { FlushError, flushByPrefix, matchPattern, parseFlags, UsageError } from '../../scripts/cache-flush';
import { freePort, LOOPBACK, RedisServer } from '../support/services';
import { REPO_ROOT } from '../support/synth';

const SCRIPT = join(REPO_ROOT, 'scripts', 'cache-flush.ts');
const ACTOR = 'alice@laptop-17';
const AUDIT_KEYS = ['time', 'actor', 'tool', 'action', 'target', 'dry_run', 'result', 'keys_removed'];

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the CLI as operators do, with stdin not a terminal. `onStderr` sees each
 * chunk of stderr as it arrives, with the child, to send it signals.
 */
function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, onStderr?: (text: string, kill: (signal: NodeJS.Signals) => void) => void): Promise<CliRun> {
  const { REDIS_PASSWORD: _password, SEARCH_OPS_AUDIT_LOG: _log, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...args], {
    cwd: REPO_ROOT,
    env: { ...inherited, SEARCH_OPS_ACTOR: ACTOR, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => { stdout += chunk; });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    onStderr?.(stderr, (signal) => child.kill(signal));
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Writes `count` string keys `${prefix}${i}` with value `v${i}` in MSET batches. */
async function seed(redis: Redis, prefix: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 1000) {
    const pairs: string[] = [];
    for (let i = start; i < Math.min(count, start + 1000); i++) pairs.push(`${prefix}${i}`, `v${i}`);
    await redis.mset(...pairs);
  }
}

async function keysMatching(redis: Redis, prefix: string): Promise<number> {
  return (await redis.keys(matchPattern(prefix))).length;
}

let server: RedisServer;
let redis: Redis;
let dir: string;
let auditLog: string;

beforeAll(async () => {
  server = await RedisServer.start();
  redis = new Redis({ host: LOOPBACK, port: server.port });
});
afterAll(async () => {
  redis.disconnect();
  await server.stop();
});
beforeEach(async () => {
  // The harness may empty its own throwaway server; the tool never does.
  await redis.flushall();
  dir = mkdtempSync(join(tmpdir(), 'search-ops-cache-flush-'));
  auditLog = join(dir, 'audit.log');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function connection(): string[] {
  return ['--host', LOOPBACK, '--port', String(server.port), '--audit-log', auditLog];
}

/** The audit log's records; none when the file is missing or empty (a refusal may have checked it is writable). */
function auditRecords(): Record<string, any>[] {
  if (!existsSync(auditLog)) return [];
  return readFileSync(auditLog, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line));
}

/** The engine's keys, the keys that must survive, and a count of each. */
async function seedEngineAndNeighbours(searchKeys = 500): Promise<void> {
  await seed(redis, 'search:q:', searchKeys);
  await redis.hset('search:h:1', 'field', 'value');
  await redis.sadd('search:s:1', 'member');
  await redis.set(Buffer.from([...Buffer.from('search:'), 0xff, 0xfe]), 'binary key, not UTF-8');
  await seed(redis, 'other:', 300);
  await redis.set('searchx:1', 'keep');
  await redis.set('search', 'keep');
  await redis.set('SEARCH:1', 'keep');
  await redis.set('session:search:1', 'keep');
}
const NEIGHBOURS = ['SEARCH:1', 'search', 'searchx:1', 'session:search:1'];

describe('cache-flush refusals: exit 2, nothing removed, no audit line', () => {
  test.each([
    ['an empty --prefix', ['--prefix', ''], "cache-flush: '--prefix' ('') must not be empty: an empty prefix matches every key, and this tool never empties the whole database\n"],
    ["--prefix '*'", ['--prefix', '*'], "cache-flush: '--prefix' ('*') must be the engine's key prefix (e.g. search:), not '*': this tool removes keys by prefix, never the whole database\n"],
    ['no --yes and stdin not a terminal', ['--prefix', 'search:'], 'cache-flush: stdin is not a terminal and --yes was not given; refusing to act without confirmation\n'],
  ])('GIVEN %s WHEN the CLI runs THEN it exits 2 with the exact message', async (_case, args, message) => {
    await seedEngineAndNeighbours(10);
    const before = await redis.dbsize();

    const run = await runCli([...connection(), ...args]);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(message);
    expect(run.stdout).toBe('');
    expect(await redis.dbsize()).toBe(before);
    expect(auditRecords()).toEqual([]);
  });

  test('GIVEN an audit log that cannot be written WHEN the CLI runs THEN it refuses before touching Redis', async () => {
    await seedEngineAndNeighbours(10);
    const before = await redis.dbsize();
    writeFileSync(join(dir, 'file'), '');
    const unwritable = join(dir, 'file', 'audit.log');

    const run = await runCli(['--host', LOOPBACK, '--port', String(server.port), '--prefix', 'search:', '--yes', '--audit-log', unwritable]);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`cache-flush: cannot write the audit log ${unwritable}: EEXIST: file already exists, mkdir '${join(dir, 'file')}'; pass --audit-log FILE\n`);
    expect(await redis.dbsize()).toBe(before);
  });

  test.each([
    ['no --host', ['--prefix', 'search:'], ['missing required flag --host HOST; refusing to act on an implicit Redis']],
    ['no --prefix', ['--host', 'redis'], ["missing required flag --prefix PREFIX (the engine's key prefix, e.g. search:)"]],
    ['a port that is no number', ['--host', 'redis', '--prefix', 'search:', '--port', 'six'], ["'--port' (six) must be an integer between 1 and 65535"]],
    ['a port out of range', ['--host', 'redis', '--prefix', 'search:', '--port', '65536'], ["'--port' (65536) must be an integer between 1 and 65535"]],
    ['a batch of 0', ['--host', 'redis', '--prefix', 'search:', '--batch', '0'], ["'--batch' (0) must be an integer between 1 and 100000"]],
    ['a batch above the maximum', ['--host', 'redis', '--prefix', 'search:', '--batch', '100001'], ["'--batch' (100001) must be an integer between 1 and 100000"]],
    ['every problem at once', ['--prefix', '*', '--port', '0'], [
      'missing required flag --host HOST; refusing to act on an implicit Redis',
      "'--prefix' ('*') must be the engine's key prefix (e.g. search:), not '*': this tool removes keys by prefix, never the whole database",
      "'--port' (0) must be an integer between 1 and 65535",
    ]],
    ['a flag without its value', ['--host', 'redis', '--prefix', '--yes'], ['--prefix needs a value']],
    ['a flag given twice', ['--host', 'redis', '--prefix', 'search:', '--prefix', 'other:'], ['--prefix given twice (search: and other:)']],
    ['an unknown flag', ['--host', 'redis', '--prefix', 'search:', '--force'], ['unknown flag --force (see --help)']],
    ['a password flag', ['--host', 'redis', '--prefix', 'search:', '--password', 'hunter2'], ['--password is not a flag: set REDIS_PASSWORD in the environment, which keeps it out of shell history and process lists']],
    ['a stray argument', ['--host', 'redis', '--prefix', 'search:', 'now'], ['unexpected argument now (see --help)']],
    ['a value on a switch', ['--host', 'redis', '--prefix', 'search:', '--yes=no'], ['--yes takes no value (got no)']],
  ])('GIVEN %s WHEN the flags are parsed THEN every problem is named', (_case, args, problems) => {
    let thrown: unknown;
    try {
      parseFlags(args);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).problems).toEqual(problems);
  });

  test('GIVEN only --host and --prefix WHEN the flags are parsed THEN the defaults apply', () => {
    expect(parseFlags(['--host', 'redis.search-prod-data.svc.cluster.local', '--prefix=search:'])).toEqual({
      host: 'redis.search-prod-data.svc.cluster.local', port: 6379, prefix: 'search:', batch: 1000, dryRun: false, yes: false, auditLog: undefined,
    });
  });

  test('GIVEN --help WHEN the CLI runs THEN it prints the usage, naming every flag, and exits 0', async () => {
    const run = await runCli(['--help']);

    expect(run.code).toBe(0);
    for (const flag of ['--host', '--port', '--prefix', '--batch', '--dry-run', '--yes', '--audit-log', '--help', 'REDIS_PASSWORD']) expect(run.stdout).toContain(flag);
  });
});

describe('flushByPrefix against a real Redis', () => {
  test('GIVEN a dry run WHEN it runs THEN it counts the prefixed keys and removes nothing', async () => {
    await seedEngineAndNeighbours();
    const before = await redis.dbsize();

    const result = await flushByPrefix(redis, { prefix: 'search:', batch: 100, dryRun: true });

    expect(result).toEqual({ scanned: 503, removed: 0, elapsedMs: expect.any(Number), interrupted: false });
    expect(await redis.dbsize()).toBe(before);
  });

  test('GIVEN the prefix search: WHEN it runs THEN exactly the keys starting with search: are removed, whatever their type', async () => {
    await seedEngineAndNeighbours();

    const result = await flushByPrefix(redis, { prefix: 'search:', batch: 100 });

    expect(result.removed).toBe(503);
    expect(result.interrupted).toBe(false);
    expect(await redis.keys('search:*')).toEqual([]);
    expect(await redis.dbsize()).toBe(300 + NEIGHBOURS.length);
    expect((await redis.keys('*')).filter((key) => !key.startsWith('other:')).sort()).toEqual(NEIGHBOURS);
    expect(await redis.get('other:299')).toBe('v299');
  });

  test('GIVEN a batch of 1 WHEN it runs THEN it still removes every prefixed key', async () => {
    await seed(redis, 'search:q:', 50);

    expect((await flushByPrefix(redis, { prefix: 'search:', batch: 1 })).removed).toBe(50);
    expect(await redis.dbsize()).toBe(0);
  });

  test.each([
    ['a*b:', 'a\\*b:*', ['aXXb:1', 'ab:1']],
    ['a?b:', 'a\\?b:*', ['aXb:1']],
    ['a[xy]b:', 'a\\[xy\\]b:*', ['axb:1']],
    ['a\\b:', 'a\\\\b:*', ['ab:1']],
  ])('GIVEN the prefix %s WHEN it runs THEN its glob characters are matched literally (pattern %s)', async (prefix, pattern, lookalikes) => {
    await redis.mset(`${prefix}1`, 'v', `${prefix}2`, 'v', ...lookalikes.flatMap((key) => [key, 'keep']));

    expect(matchPattern(prefix)).toBe(pattern);
    const result = await flushByPrefix(redis, { prefix });

    expect(result.removed).toBe(2);
    expect((await redis.keys('*')).sort()).toEqual([...lookalikes].sort());
  });

  test('GIVEN a run aborted after its first batch WHEN it is run again THEN the rerun removes exactly the rest', async () => {
    await seed(redis, 'search:q:', 5000);
    await seed(redis, 'other:', 5000);
    const controller = new AbortController();

    const first = await flushByPrefix(redis, {
      prefix: 'search:', batch: 100, signal: controller.signal,
      onBatch: (progress) => { if (progress.removed > 0) controller.abort(); },
    });

    expect(first.interrupted).toBe(true);
    expect(first.removed).toBeGreaterThan(0);
    expect(first.removed).toBeLessThan(5000);
    expect(await keysMatching(redis, 'search:')).toBe(5000 - first.removed);

    const rerun = await flushByPrefix(redis, { prefix: 'search:', batch: 100 });

    expect(rerun.interrupted).toBe(false);
    expect(first.removed + rerun.removed).toBe(5000);
    expect(await keysMatching(redis, 'search:')).toBe(0);
    expect(await redis.dbsize()).toBe(5000);
  });

  test('GIVEN a signal aborted before the start WHEN it runs THEN nothing is scanned or removed', async () => {
    await seed(redis, 'search:q:', 10);

    const result = await flushByPrefix(redis, { prefix: 'search:', signal: AbortSignal.abort() });

    expect(result).toEqual({ scanned: 0, removed: 0, elapsedMs: expect.any(Number), interrupted: true });
    expect(await redis.dbsize()).toBe(10);
  });

  test.each([
    ['an empty prefix', { prefix: '' }, "'prefix' ('') must not be empty: an empty prefix matches every key, and this tool never empties the whole database"],
    ["the prefix '*'", { prefix: '*' }, "'prefix' ('*') must be the engine's key prefix (e.g. search:), not '*': this tool removes keys by prefix, never the whole database"],
    ['a batch of 0', { prefix: 'search:', batch: 0 }, "'batch' (0) must be an integer between 1 and 100000"],
  ])('GIVEN %s WHEN it is called THEN it refuses before any command', async (_case, options, message) => {
    await seed(redis, 'search:q:', 10);

    await expect(flushByPrefix(redis, options)).rejects.toThrow(new UsageError([message]));
    expect(await redis.dbsize()).toBe(10);
  });

  test('GIVEN a Redis that does not answer WHEN it runs THEN it throws a FlushError with the progress so far', async () => {
    const nobody = new Redis({ host: LOOPBACK, port: await freePort(), lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
    nobody.on('error', () => undefined);

    const failure = flushByPrefix(nobody, { prefix: 'search:' });

    await expect(failure).rejects.toBeInstanceOf(FlushError);
    await expect(failure).rejects.toMatchObject({ progress: { scanned: 0, removed: 0 } });
    nobody.disconnect();
  });
});

describe('cache-flush CLI as a child process', () => {
  test('GIVEN --yes WHEN it runs THEN it removes the prefixed keys, prints the count and appends one audit line', async () => {
    await seedEngineAndNeighbours();

    const run = await runCli([...connection(), '--prefix', 'search:', '--yes']);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^removed 503 keys matching 'search:\\*' from 127\\.0\\.0\\.1:${server.port} \\(\\d+\\.\\d\\d s, \\d+ keys/s\\)\naudit line appended to ${auditLog}\n$`));
    expect(run.stderr).toContain(`cache-flush: removing keys matching 'search:*' on 127.0.0.1:${server.port} (${503 + 300 + NEIGHBOURS.length} keys in the database), 1000 per batch`);
    expect(await keysMatching(redis, 'search:')).toBe(0);
    expect(await redis.dbsize()).toBe(300 + NEIGHBOURS.length);

    const records = auditRecords();
    expect(records).toHaveLength(1);
    expect(Object.keys(records[0])).toEqual(AUDIT_KEYS);
    expect(Object.keys(records[0].target)).toEqual(['host', 'port', 'prefix']);
    expect(records[0]).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      actor: ACTOR,
      tool: 'cache-flush',
      action: 'flush-cache',
      target: { host: LOOPBACK, port: server.port, prefix: 'search:' },
      dry_run: false,
      result: 'success',
      keys_removed: 503,
    });
    expect(Math.abs(Date.parse(records[0].time) - Date.now())).toBeLessThan(60_000);
  });

  test('GIVEN --dry-run without --yes WHEN it runs THEN it prints the count, removes nothing and records a dry run', async () => {
    await seedEngineAndNeighbours();
    const before = await redis.dbsize();

    const run = await runCli([...connection(), '--prefix', 'search:', '--dry-run'], { SEARCH_OPS_AUDIT_LOG: join(dir, 'ignored.log') });

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^dry run: 503 keys match 'search:\*' on 127\.0\.0\.1:\d+ \(.*\); nothing removed\n/);
    expect(await redis.dbsize()).toBe(before);
    expect(auditRecords()).toEqual([expect.objectContaining({ dry_run: true, result: 'dry-run', keys_removed: 0 })]);
    expect(existsSync(join(dir, 'ignored.log'))).toBe(false);
  });

  test('GIVEN SIGINT during a run WHEN it stops THEN it reports the partial count, exits 130, and a rerun removes the rest', async () => {
    const total = 100_000;
    await seed(redis, 'search:q:', total);
    await seed(redis, 'other:', 1000);
    let sent = false;

    const interrupted = await runCli([...connection(), '--prefix', 'search:', '--yes', '--batch', '10'], {}, (stderr, kill) => {
      if (!sent && stderr.includes('Ctrl-C stops after the current batch')) {
        sent = true;
        kill('SIGINT');
      }
    });

    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain('cache-flush: SIGINT: stopping after the current batch');
    const partial = Number(/^interrupted: removed (\d+) keys matching 'search:\*'/.exec(interrupted.stdout)?.[1]);
    expect(partial).toBeLessThan(total);
    expect(await keysMatching(redis, 'search:')).toBe(total - partial);

    const rerun = await runCli([...connection(), '--prefix', 'search:', '--yes']);

    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toMatch(new RegExp(`^removed ${total - partial} keys matching`));
    expect(await redis.dbsize()).toBe(1000);
    expect(auditRecords().map((r) => [r.result, r.keys_removed])).toEqual([['interrupted', partial], ['success', total - partial]]);
  });

  test('GIVEN a Redis with a password WHEN REDIS_PASSWORD is missing or set THEN it fails with exit 1, then succeeds, never printing the password', async () => {
    const secret = 'correct-horse-battery-staple';
    const locked = await RedisServer.start();
    try {
      const admin = new Redis({ host: LOOPBACK, port: locked.port });
      await seed(admin, 'search:q:', 20);
      await admin.config('SET', 'requirepass', secret);
      admin.disconnect();
      const args = ['--host', LOOPBACK, '--port', String(locked.port), '--prefix', 'search:', '--yes', '--audit-log', auditLog];

      const denied = await runCli(args);
      const allowed = await runCli(args, { REDIS_PASSWORD: secret });

      expect(denied.code).toBe(1);
      expect(denied.stderr).toContain(`cache-flush: FAILED on 127.0.0.1:${locked.port} after removing 0 keys matching 'search:*'`);
      expect(denied.stderr).toContain('NOAUTH');
      expect(allowed.code).toBe(0);
      expect(allowed.stdout).toMatch(/^removed 20 keys/);
      expect(auditRecords().map((r) => r.result)).toEqual(['failed', 'success']);
      for (const output of [denied.stdout, denied.stderr, allowed.stdout, allowed.stderr, readFileSync(auditLog, 'utf8')]) expect(output).not.toContain(secret);
    } finally {
      await locked.stop();
    }
  });
});

describe('scripts/audit.ts', () => {
  test('GIVEN --audit-log, SEARCH_OPS_AUDIT_LOG or neither WHEN the path is resolved THEN the flag wins, then the variable, then ~/.search-ops/audit.log', () => {
    expect(auditLogPath('/flag.log', { SEARCH_OPS_AUDIT_LOG: '/env.log' })).toBe('/flag.log');
    expect(auditLogPath(undefined, { SEARCH_OPS_AUDIT_LOG: '/env.log' })).toBe('/env.log');
    expect(auditLogPath(undefined, { SEARCH_OPS_AUDIT_LOG: '' })).toMatch(/\/\.search-ops\/audit\.log$/);
    expect(defaultAuditLogPath({})).toMatch(/\/\.search-ops\/audit\.log$/);
  });

  test('GIVEN SEARCH_OPS_ACTOR or not WHEN the actor is resolved THEN it is the variable, else user@host', () => {
    expect(auditActor({ SEARCH_OPS_ACTOR: 'ci@pipeline' })).toBe('ci@pipeline');
    expect(auditActor({})).toMatch(/^[^@]+@[^@]+$/);
  });

  test('GIVEN names with quotes, backslashes and control characters WHEN a line is written THEN it is one valid JSON line in the documented order', () => {
    const line = auditLine(
      { tool: 'cache-flush', action: 'flush-cache', target: { host: 'r"e\\d\nis', port: 6379, prefix: 'search:\u0007' }, dry_run: false, result: 'success', keys_removed: 3 },
      { now: new Date('2025-03-14T02:51:07.123Z'), actor: 'alice@laptop-17' },
    );

    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(line).toBe('{"time":"2025-03-14T02:51:07Z","actor":"alice@laptop-17","tool":"cache-flush","action":"flush-cache",'
      + '"target":{"host":"r\\"e\\\\d\\nis","port":6379,"prefix":"search:\\u0007"},"dry_run":false,"result":"success","keys_removed":3}\n');
  });
});
