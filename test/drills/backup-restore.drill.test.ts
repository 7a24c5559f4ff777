import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MongoClient } from 'mongodb';
import { ENVIRONMENTS } from '../../constructs/environments';
import { BACKUP_NAMES } from '../../constructs/backups';
import { FERRETDB_RESTORE_FLAGS } from '../support/mongo-tools';
import { FerretDbServer, LOOPBACK, TOOLS_BIN } from '../support/services';
import { findObject, KubeObject, readObjects, synthToTemp } from '../support/synth';

/**
 * Drill: the backup and restore scripts exactly as the generated CronJobs run
 * them, with the real mongodump and mongorestore, against a real MongoDB
 * wire-protocol server (FerretDB); only the pod around them is missing.
 */
const staging = ENVIRONMENTS.find((e) => e.name === 'staging')!;
const objects = readObjects(join(synthToTemp([staging, ENVIRONMENTS[2]]), 'staging'));
const scriptOf = (name: string) => {
  const container = (findObject(objects, 'CronJob', name) as KubeObject).spec.jobTemplate.spec.template.spec.containers[0];
  expect(container.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
  return container.command[2] as string;
};
const DB = 'search';
const LANGS = ['en', 'de', 'ja', 'sw', 'ar', 'hi', 'pt', 'ru'];

let server: FerretDbServer;
let client: MongoClient;

beforeAll(async () => {
  server = await FerretDbServer.start();
  client = new MongoClient(server.uri);
  const db = client.db(DB);
  const documents = Array.from({ length: 5000 }, (_, i) => ({
    _id: `doc-${String(i).padStart(5, '0')}`,
    lang: LANGS[i % LANGS.length],
    title: `Document ${i} — ${'multilingual '.repeat(i % 7)}検索 Suche búsqueda`,
    tokens: Array.from({ length: i % 13 }, (_, t) => `t${(i * 31 + t) % 997}`),
    score: (i * 7919) % 1000 / 10,
    updatedAt: new Date(Date.UTC(2026, 10, 1) + i * 60_000),
  }));
  for (let i = 0; i < documents.length; i += 1000) await db.collection<{ _id: string }>('documents').insertMany(documents.slice(i, i + 1000));
  await db.collection<{ _id: string }>('index_state').insertMany(LANGS.map((lang, i) => ({ _id: lang, shards: 4 + i, builtAt: new Date(Date.UTC(2026, 10, 30)) })));
}, 60_000);

afterAll(async () => {
  await client?.close();
  await server?.destroy();
});

/** Count and sha256 of every collection, documents in _id order. */
async function fingerprint(): Promise<Record<string, { count: number; sha256: string }>> {
  const db = client.db(DB);
  const result: Record<string, { count: number; sha256: string }> = {};
  for (const name of ['documents', 'index_state']) {
    const docs = await db.collection(name).find().sort({ _id: 1 }).toArray();
    result[name] = { count: docs.length, sha256: createHash('sha256').update(JSON.stringify(docs)).digest('hex') };
  }
  return result;
}

function run(script: string, env: Record<string, string>) {
  const started = performance.now();
  const result = spawnSync('/bin/sh', ['-c', script], { env: { PATH: `${TOOLS_BIN}:${process.env.PATH}`, ...env }, encoding: 'utf8', timeout: 90_000 });
  return { ...result, ms: performance.now() - started };
}

describe('backup and restore drill (generated scripts, real mongodump and mongorestore, FerretDB)', () => {
  test('GIVEN 5 008 documents WHEN backed up, dropped and restored THEN counts and content hashes are identical', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backups-'));
    // An archive older than the retention, which the backup must remove.
    mkdirStale(dir);
    const before = await fingerprint();
    expect(before.documents.count).toBe(5000);

    const backup = run(scriptOf(BACKUP_NAMES.mongodb), { MONGODB_URI: server.uri, BACKUP_DIR: dir, RETENTION_DAYS: '3' });
    expect(backup.status).toBe(0);
    expect(backup.stderr).toContain('done dumping search.documents (5000 documents)');
    expect(backup.stderr).not.toMatch(/Failed|error/i);
    const latest = readFileSync(join(dir, 'mongodb', 'LATEST'), 'utf8').trim();
    expect(latest).toMatch(/^search-\d{8}T\d{6}Z\.archive\.gz$/);
    expect(readdirSync(join(dir, 'mongodb')).sort()).toEqual(['LATEST', latest]);
    const size = statSync(join(dir, 'mongodb', latest)).size;

    await client.db(DB).dropDatabase();
    expect((await client.db(DB).collection('documents').countDocuments())).toBe(0);

    const restore = run(scriptOf(BACKUP_NAMES.restore), {
      MONGODB_URI: server.uri, BACKUP_DIR: dir, MONGORESTORE_EXTRA_ARGS: FERRETDB_RESTORE_FLAGS.join(' '),
    });
    expect(restore.status).toBe(0);
    expect(restore.stdout).toBe(`restoring ${latest}\nrestore complete: ${latest}\n`);
    expect(restore.stderr).toContain('5008 document(s) restored successfully. 0 document(s) failed to restore.');
    expect(await fingerprint()).toEqual(before);
    console.log(`backup/restore drill: 5008 documents, archive ${(size / 1024).toFixed(0)} KiB; backup ${backup.ms.toFixed(0)} ms, `
      + `restore ${restore.ms.toFixed(0)} ms; counts and sha256 identical`);
  }, 120_000);

  test('GIVEN credentials the server refuses WHEN the backup runs THEN it fails, never prints the password, and LATEST does not move', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backups-'));
    // FerretDB refuses SCRAM; mongodump then prints the whole connection string in its error.
    const uri = `mongodb://backup:s3cr3t-pa55@${LOOPBACK}:${server.port}/?authSource=admin`;
    const backup = run(scriptOf(BACKUP_NAMES.mongodb), { MONGODB_URI: uri, BACKUP_DIR: dir, RETENTION_DAYS: '3' });
    expect(backup.status).not.toBe(0);
    expect(backup.stderr).toContain('mongodb://***@');
    expect(`${backup.stdout}${backup.stderr}`).not.toContain('s3cr3t-pa55');
    expect(existsSync(join(dir, 'mongodb', 'LATEST'))).toBe(false);
  }, 60_000);
});

function mkdirStale(dir: string): void {
  const stale = join(dir, 'mongodb', 'search-20200101T000000Z.archive.gz');
  mkdirSync(join(dir, 'mongodb'), { recursive: true });
  writeFileSync(stale, 'old');
  const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000);
  utimesSync(stale, tenDaysAgo, tenDaysAgo);
}
