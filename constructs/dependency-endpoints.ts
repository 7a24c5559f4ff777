import { DependenciesSpec } from './environment-spec';

/** A network destination the engine pods must reach. */
export interface DependencyEndpoint {
  readonly name: 'mongodb' | 'redis' | 'embedding';
  readonly port: number;
  /** In-cluster namespace, when known; otherwise any destination on `port`. */
  readonly namespace?: string;
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443 };

/** The port of an http(s) URL, explicit or implied by its scheme. */
export function urlPort(url: string): number {
  const parsed = new URL(url);
  return parsed.port === '' ? DEFAULT_PORTS[parsed.protocol] : Number(parsed.port);
}

/** Every dependency's endpoint, derived from the spec so that egress rules never repeat it. */
export function dependencyEndpoints(deps: DependenciesSpec): DependencyEndpoint[] {
  return [
    { name: 'mongodb', port: deps.mongodb.port, namespace: deps.mongodb.namespace },
    { name: 'redis', port: deps.redis.port, namespace: deps.redis.namespace },
    { name: 'embedding', port: urlPort(deps.embedding.url), namespace: deps.embedding.namespace },
  ];
}
