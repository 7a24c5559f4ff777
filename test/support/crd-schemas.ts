import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';

/** The real upstream CRDs, shared read-only beside the project (`../shared/crds`). */
export const CRD_DIR = process.env.SEARCH_OPS_CRDS ?? resolve(__dirname, '../../../shared/crds');

type Schema = Record<string, any>;

/**
 * An openAPIV3Schema as JSON Schema for ajv, with the API server's structural
 * rules made explicit: an object with declared properties rejects unknown
 * fields unless it preserves them; int-or-string accepts both.
 */
export function toStrictJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toStrictJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const source = node as Schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(source)) {
    if (key.startsWith('x-kubernetes-')) continue;
    if (key === 'properties' || key === 'patternProperties') {
      out[key] = Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, toStrictJsonSchema(v)]));
    } else {
      out[key] = toStrictJsonSchema(value);
    }
  }
  if (source['x-kubernetes-int-or-string'] === true && out.anyOf === undefined) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  const preserves = source['x-kubernetes-preserve-unknown-fields'] === true;
  if (out.properties !== undefined && out.additionalProperties === undefined && !preserves) out.additionalProperties = false;
  return out;
}

/**
 * CRD patterns are Go regular expressions; JavaScript lacks Go's inline `(?i)`,
 * so such a pattern is matched case-insensitively as a whole (slightly laxer).
 */
const goRegExp = Object.assign(
  (pattern: string, flags: string) => pattern.includes('(?i)')
    ? new RegExp(pattern.split('(?i)').join(''), `${flags}i`)
    : new RegExp(pattern, flags),
  { code: 'new RegExp' },
);

export interface CrdValidator {
  /** `group/version/Kind` keys of every served version found. */
  readonly kinds: readonly string[];
  /** Errors of one object, empty when valid; throws for a kind no CRD defines. */
  validate(object: Schema): string[];
}

export function loadCrdValidator(dir = CRD_DIR): CrdValidator {
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, code: { regExp: goRegExp } });
  const schemas = new Map<string, Schema>();
  const validators = new Map<string, ValidateFunction>();
  for (const folder of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const file of readdirSync(join(dir, folder.name)).filter((f) => f.endsWith('.yaml'))) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, folder.name, file), 'utf8'))) {
        const crd = doc.toJS();
        if (crd?.kind !== 'CustomResourceDefinition') continue;
        for (const version of crd.spec.versions) {
          const key = `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`;
          schemas.set(key, version.schema.openAPIV3Schema);
        }
      }
    }
  }
  return {
    kinds: [...schemas.keys()].sort(),
    validate(object) {
      const key = `${object.apiVersion}/${object.kind}`;
      const schema = schemas.get(key);
      if (schema === undefined) throw new Error(`no CRD defines ${key}`);
      // Compiled on first use: some CRDs are megabytes of schema.
      const validate = validators.get(key) ?? ajv.compile(toStrictJsonSchema(schema) as Schema);
      validators.set(key, validate);
      if (validate(object)) return [];
      return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` '${e.params.additionalProperty}'` : ''}`);
    },
  };
}
