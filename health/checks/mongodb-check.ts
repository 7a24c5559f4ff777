import { MongoClient } from 'mongodb';
import { DEPENDENCY_CHECKS, DependencyCheckName } from '../contract';
import { abortable, DependencyCheck } from './dependency-check';

export interface MongoDbCheckOptions {
  readonly uri: string;
  readonly timeoutMs: number;
  /** @defaultValue true */
  readonly critical?: boolean;
}

/** `ping` on the admin database through one MongoClient created for the life of the server. */
export function mongoDbCheck(options: MongoDbCheckOptions): DependencyCheck {
  const client = new MongoClient(options.uri, {
    appName: 'search-ops-health',
    serverSelectionTimeoutMS: options.timeoutMs,
    connectTimeoutMS: options.timeoutMs,
    socketTimeoutMS: options.timeoutMs,
    maxPoolSize: 2,
    retryReads: false,
  });
  return {
    name: 'mongodb' satisfies DependencyCheckName,
    critical: options.critical ?? DEPENDENCY_CHECKS.mongodb.critical,
    timeoutMs: options.timeoutMs,
    async check(signal) {
      await abortable(client.db('admin').command({ ping: 1 }, { timeoutMS: options.timeoutMs }), signal);
    },
    async close() {
      await client.close(true);
    },
  };
}
