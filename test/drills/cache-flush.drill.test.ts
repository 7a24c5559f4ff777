import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Redis from 'ioredis';
import { LOOPBACK, RedisServer } from '../support/services';
import { REPO_ROOT } from '../support/synth';

/**
 * Drill: one million keys in a real Redis, 300 000 of them the engine's
 * (`search:`), flushed through the real CLI as the runbook says (dry run, then
 * --yes). Prints how long it took.
 */

const SCRIPT = join(REPO_ROOT, 'scripts', 'cache-flush.ts');
const TOTAL = 1_000_000;
const PREFIXED = 300_000;
const MSET_PAIRS = 1000;
const SAMPLE = 2000;

/** Key number i: the first PREFIXED are the engine's, the rest are lookalikes and neighbours that must survive. */
function key(i: number): string {
  if (i < PREFIXED) return `search:q:${['en', 'de', 'ja', 'ar'][i % 4]}:${i}`;
  if (i < PREFIXED + 200_000) return `searchx:${i}`;
  if (i < PREFIXED + 300_000) return `session:search:${i}`;
  return `other:${i}`;
}
const value = (i: number) => `cached-result-${i}-${'x'.repeat(16)}`;

function bulk(text: string): string {
  return `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
}

/** Loads every key with `redis-cli --pipe`: MSET commands in the Redis protocol, streamed. */
async function load(port: number): Promise<void> {
  const child = spawn('redis-cli', ['-h', LOOPBACK, '-p', String(port), '--pipe'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  for (let start = 0; start < TOTAL; start += MSET_PAIRS) {
    const end = Math.min(TOTAL, start + MSET_PAIRS);
    let command = `*${1 + 2 * (end - start)}\r\n$4\r\nMSET\r\n`;
    for (let i = start; i < end; i++) command += bulk(key(i)) + bulk(value(i));
    if (!child.stdin.write(command)) await new Promise((resolve) => child.stdin.once('drain', resolve));
  }
  child.stdin.end();
  const code = await exited;
  if (code !== 0 || !/errors: 0,/.test(output)) throw new Error(`redis-cli --pipe failed (exit ${code}):\n${output}`);
}

function runCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string; wallMs: number }> {
  const started = performance.now();
  const { REDIS_PASSWORD: _password, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: REPO_ROOT, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => { stdout += chunk; });
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr, wallMs: performance.now() - started })));
}

/** `SAMPLE` key numbers spread over [from, to), the same every run. */
function sample(from: number, to: number): number[] {
  const step = (to - from) / SAMPLE;
  return Array.from({ length: SAMPLE }, (_, n) => from + Math.floor(n * step + (n * 7919) % step));
}

let server: RedisServer;
let redis: Redis;
let dir: string;

beforeAll(async () => {
  server = await RedisServer.start();
  redis = new Redis({ host: LOOPBACK, port: server.port });
  dir = mkdtempSync(join(tmpdir(), 'search-ops-cache-flush-drill-'));
});
afterAll(async () => {
  redis.disconnect();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('GIVEN one million keys, 300 000 of them search: WHEN the CLI flushes the prefix THEN exactly those are gone, and it reports how fast', async () => {
  const loadStarted = performance.now();
  await load(server.port);
  const loadMs = performance.now() - loadStarted;
  expect(await redis.dbsize()).toBe(TOTAL);

  const auditLog = join(dir, 'audit.log');
  const args = ['--host', LOOPBACK, '--port', String(server.port), '--prefix', 'search:', '--audit-log', auditLog];
  const env = { SEARCH_OPS_ACTOR: 'drill@search-ops' };

  // The runbook's order: count first, then remove.
  const dryRun = await runCli([...args, '--dry-run'], env);
  expect(dryRun.code).toBe(0);
  const counted = Number(/^dry run: (\d+) keys match 'search:\*'/.exec(dryRun.stdout)?.[1]);
  // SCAN may return a key twice while Redis resizes its table: at least, never fewer.
  expect(counted).toBeGreaterThanOrEqual(PREFIXED);
  expect(await redis.dbsize()).toBe(TOTAL);

  const flush = await runCli([...args, '--yes'], env);

  expect(flush.code).toBe(0);
  const reported = /^removed (\d+) keys matching 'search:\*' from [^ ]+ \((\d+\.\d+) s, (\d+) keys\/s\)/.exec(flush.stdout);
  expect(reported).not.toBeNull();
  expect(Number(reported![1])).toBe(PREFIXED);

  // Exactly the prefixed keys are gone.
  expect(await redis.dbsize()).toBe(TOTAL - PREFIXED);
  expect(await redis.keys('search:*')).toEqual([]);
  const removedSample = sample(0, PREFIXED);
  expect(await redis.exists(...removedSample.map(key))).toBe(0);
  // The rest still holds its values, lookalikes (searchx:, session:search:) included.
  const keptSample = sample(PREFIXED, TOTAL);
  expect(await redis.mget(...keptSample.map(key))).toEqual(keptSample.map(value));

  const records = readFileSync(auditLog, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  expect(records.map((r) => [r.result, r.dry_run, r.keys_removed])).toEqual([['dry-run', true, 0], ['success', false, PREFIXED]]);

  const toolSeconds = Number(reported![2]);
  console.log([
    `cache-flush drill: ${TOTAL} keys loaded in ${(loadMs / 1000).toFixed(1)} s (redis-cli --pipe, MSET x ${MSET_PAIRS})`,
    `  dry run: ${counted} keys counted in ${(dryRun.wallMs / 1000).toFixed(2)} s wall`,
    `  flush: ${PREFIXED} of ${TOTAL} keys removed in ${toolSeconds.toFixed(2)} s (${reported![3]} keys/s, as the tool reports),`
      + ` ${(flush.wallMs / 1000).toFixed(2)} s wall with process start (${Math.round(PREFIXED / (flush.wallMs / 1000))} keys/s)`,
  ].join('\n'));
}, 180_000);
