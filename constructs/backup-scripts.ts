import { BackupDestination } from './environment-spec';

/**
 * The shell the backup and restore Jobs run (POSIX sh; the backup image has it,
 * the engine image does not). Paths come from $BACKUP_DIR, so that drills run
 * the very same scripts against a local folder. Credentials stay in the
 * environment: nothing here echoes them.
 */

export const BACKUP_ENV = {
  dir: 'BACKUP_DIR',
  retentionDays: 'RETENTION_DAYS',
  file: 'BACKUP_FILE',
  objectStorageUrl: 'OBJECT_STORAGE_URL',
  endpoint: 'AWS_ENDPOINT_URL',
  /** Extra mongorestore flags, e.g. --noIndexRestore for servers that refuse index options. */
  restoreArgs: 'MONGORESTORE_EXTRA_ARGS',
} as const;

/**
 * The mongo tools print the full connection string, password included, when
 * they cannot connect: their errors go through this before reaching the log.
 */
const REDACT = String.raw`sed -E 's#(mongodb(\+srv)?://)[^@/ ]*@#\1***@#g'`;
const runRedacted = (command: string, tool: string) => [
  `if ! ${command} 2>/tmp/${tool}.err; then`,
  `  ${REDACT} /tmp/${tool}.err >&2`,
  '  exit 1',
  'fi',
  `${REDACT} /tmp/${tool}.err >&2`,
];

/** Backups of one kind: `mongodb` archives, or the cache's `redis` RDB files. */
const latestMarker = (kind: string) => `"$${BACKUP_ENV.dir}/${kind}/LATEST"`;

const upload = (kind: string) => [
  `  aws s3 cp "$file" "$${BACKUP_ENV.objectStorageUrl}/${kind}/$name"`,
  `  printf '%s\\n' "$name" | aws s3 cp - "$${BACKUP_ENV.objectStorageUrl}/${kind}/LATEST"`,
  '  # Retention in a bucket is its lifecycle rule (see runbooks/restore-backup.md).',
];

const keep = (kind: string) => [
  `  printf '%s\\n' "$name" >${latestMarker(kind)}`,
  `  find "$${BACKUP_ENV.dir}/${kind}" -name 'search-*' -type f -mtime +"$${BACKUP_ENV.retentionDays}" -delete`,
];

/** mongodump to a dated gzip archive; the LATEST marker moves only after the archive is complete. */
export function mongoBackupScript(destination: BackupDestination): string {
  return [
    'set -eu',
    'stamp=$(date -u +%Y%m%dT%H%M%SZ)',
    'name="search-$stamp.archive.gz"',
    `mkdir -p "$${BACKUP_ENV.dir}/mongodb"`,
    `file="$${BACKUP_ENV.dir}/mongodb/$name"`,
    ...runRedacted('mongodump --uri="$MONGODB_URI" --archive="$file.partial" --gzip', 'mongodump'),
    'mv "$file.partial" "$file"',
    ...(destination.objectStorageUrl !== undefined ? ['{', ...upload('mongodb'), '}', 'rm -f "$file"'] : ['{', ...keep('mongodb'), '}']),
    'echo "backup complete: $name"',
  ].join('\n');
}

/** mongorestore of $BACKUP_FILE, or of the newest backup; --drop replaces what is there. */
export function mongoRestoreScript(destination: BackupDestination): string {
  const fetch = destination.objectStorageUrl !== undefined
    ? [
      `name="\${${BACKUP_ENV.file}:-$(aws s3 cp "$${BACKUP_ENV.objectStorageUrl}/mongodb/LATEST" -)}"`,
      `file="$${BACKUP_ENV.dir}/$name"`,
      `aws s3 cp "$${BACKUP_ENV.objectStorageUrl}/mongodb/$name" "$file"`,
    ]
    : [`name="\${${BACKUP_ENV.file}:-$(cat ${latestMarker('mongodb')})}"`, `file="$${BACKUP_ENV.dir}/mongodb/$name"`];
  return [
    'set -eu',
    `mkdir -p "$${BACKUP_ENV.dir}"`,
    ...fetch,
    'echo "restoring $name"',
    '# shellcheck disable=SC2086 # extra flags split into words on purpose',
    ...runRedacted(`mongorestore --uri="$MONGODB_URI" --archive="$file" --gzip --drop \${${BACKUP_ENV.restoreArgs}:-}`, 'mongorestore'),
    'echo "restore complete: $name"',
  ].join('\n');
}

/** The cache's RDB, fetched over the replication protocol by redis-cli. */
export function redisBackupScript(destination: BackupDestination): string {
  return [
    'set -eu',
    'stamp=$(date -u +%Y%m%dT%H%M%SZ)',
    'name="search-$stamp.rdb"',
    `mkdir -p "$${BACKUP_ENV.dir}/redis"`,
    `file="$${BACKUP_ENV.dir}/redis/$name"`,
    'redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" --rdb "$file.partial" >/dev/null',
    'mv "$file.partial" "$file"',
    ...(destination.objectStorageUrl !== undefined ? ['{', ...upload('redis'), '}', 'rm -f "$file"'] : ['{', ...keep('redis'), '}']),
    'echo "backup complete: $name"',
  ].join('\n');
}
