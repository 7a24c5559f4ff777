import { join } from 'node:path';
import { REPO_ROOT } from './synth';

/**
 * The real mongodump and mongorestore (MongoDB Database Tools 100.11.0, pure Go),
 * built into .tools/bin by scripts/build-mongo-tools.sh (run by scripts/bootstrap.sh).
 */
export const MONGO_TOOLS = {
  mongodump: join(REPO_ROOT, '.tools', 'bin', 'mongodump'),
  mongorestore: join(REPO_ROOT, '.tools', 'bin', 'mongorestore'),
} as const;

/**
 * Extra mongodump flags FerretDB 1.24 (SQLite) needs: none. Checked working:
 * `--uri=mongodb://127.0.0.1:PORT/` with or without `--db`, `--collection`, `--query`,
 * `--archive[=FILE]`, `--out=DIR`, `--gzip`, `--numParallelCollections`, `--readPreference`.
 * Never pass `--oplog` (fails: "(InvalidNamespace) Invalid collection name: oplog.$main";
 * FerretDB has no oplog) nor `--dumpDbUsersAndRoles` (fails: "found no auth version").
 */
export const FERRETDB_DUMP_FLAGS: readonly string[] = [];

/**
 * Extra mongorestore flags FerretDB 1.24 needs. mongorestore puts the option "ns" in
 * every index spec it sends to createIndexes, which FerretDB refuses
 * ("createIndex error: (BadValue) Index option \"ns\" is unknown", exit 1, after the
 * documents were written), so secondary indexes are not restored: recreate them
 * from the application. The _id index needs no restore.
 * Never pass `--preserveUUID` (fails: "(CommandNotFound) no such command: 'applyOps'",
 * and with `--drop` the collection is already gone) nor `--oplogReplay`.
 * `--drop`, `--nsInclude`, `--nsFrom`/`--nsTo`, `--dir`, `--archive`, `--gzip` and the
 * parallelism flags work; capped collections keep their options.
 */
export const FERRETDB_RESTORE_FLAGS: readonly string[] = ['--noIndexRestore'];
