import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { HEALTH_ENV } from '../health/contract';
import { EnvironmentSpec } from './environment-spec';
import { imageReference } from './identity';

export interface HelmChartOptions {
  readonly name: string;
  readonly version: string;
  /** The environment whose manifests the chart renders with default values. */
  readonly spec: EnvironmentSpec;
  /** That environment's synthesized objects, keyed by the file name each came from. */
  readonly files: ReadonlyMap<string, readonly KubeObject[]>;
}

export type KubeObject = Record<string, any>;

/** Placeholders set into the objects, then replaced by template actions after escaping. */
const PLACEHOLDERS = {
  namespace: ['__SEARCH_OPS_NAMESPACE__', '{{ .Values.namespace | quote }}'],
  // Inside other strings (queries, selectors, dashboards); the schema keeps it a DNS label.
  namespaceText: ['__SEARCH_OPS_NAMESPACE_TEXT__', '{{ .Values.namespace }}'],
  image: ['__SEARCH_OPS_IMAGE__', '{{ include "search-ops.image" . }}'],
  tag: ['__SEARCH_OPS_TAG__', '{{ .Values.image.tag | quote }}'],
  replicas: ['__SEARCH_OPS_REPLICAS__', '{{ .Values.replicas }}'],
  chartLabel: ['__SEARCH_OPS_CHART_LABEL__', '{{ include "search-ops.chart" . | quote }}'],
  managedBy: ['__SEARCH_OPS_MANAGED_BY__', '{{ .Release.Service | quote }}'],
} as const;

/** Labels Helm's own conventions add to every object; not part of `dist/`. */
export const HELM_LABELS = ['helm.sh/chart', 'app.kubernetes.io/managed-by'] as const;

const HELPERS = `{{/* The image reference: repository:tag, pinned by digest when one is set. */}}
{{- define "search-ops.image" -}}
{{- $ref := printf "%s:%s" .Values.image.repository .Values.image.tag -}}
{{- if .Values.image.digest -}}{{- $ref = printf "%s@%s" $ref .Values.image.digest -}}{{- end -}}
{{- $ref | quote -}}
{{- end -}}

{{- define "search-ops.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}
`;

/**
 * Writes a Helm chart whose default values render exactly the given environment.
 * Values: namespace, image (repository, tag, digest) and replicas.
 */
export function writeHelmChart(dir: string, options: HelmChartOptions): void {
  const { spec } = options;
  mkdirSync(join(dir, 'templates'), { recursive: true });
  writeFileSync(join(dir, 'Chart.yaml'), stringify({
    apiVersion: 'v2',
    name: options.name,
    description: 'The multilingual search engine and its operations, as synthesized by search-ops.',
    type: 'application',
    version: options.version,
    appVersion: spec.image.tag,
  }));
  writeFileSync(join(dir, 'values.yaml'), valuesYaml(spec));
  writeFileSync(join(dir, 'values.schema.json'), `${JSON.stringify(valuesSchema(), null, 2)}\n`);
  writeFileSync(join(dir, 'templates', '_helpers.tpl'), HELPERS);
  for (const [file, objects] of options.files) {
    const docs = objects.map((o) => templateYaml(parameterize(o, spec)));
    writeFileSync(join(dir, 'templates', file), docs.join('---\n'));
  }
}

/** Replaces the environment-specific values by placeholders, on a copy. */
function parameterize(source: KubeObject, spec: EnvironmentSpec): KubeObject {
  const object: KubeObject = structuredClone(source);
  const metadata = object.metadata;
  metadata.labels = { ...metadata.labels, [HELM_LABELS[0]]: PLACEHOLDERS.chartLabel[0], [HELM_LABELS[1]]: PLACEHOLDERS.managedBy[0] };
  if (object.kind === 'Namespace' && metadata.name === spec.namespace) metadata.name = PLACEHOLDERS.namespace[0];
  if (metadata.namespace === spec.namespace) metadata.namespace = PLACEHOLDERS.namespace[0];
  replaceNamespaceText(object, spec.namespace);
  const podSpec = object.spec?.template?.spec;
  if (podSpec === undefined) return object;
  if (object.spec.replicas === spec.replicas) object.spec.replicas = PLACEHOLDERS.replicas[0];
  for (const container of podSpec.containers ?? []) {
    if (container.image === imageReference(spec.image)) container.image = PLACEHOLDERS.image[0];
    for (const env of container.env ?? []) {
      if (env.name === HEALTH_ENV.version && env.value === spec.image.tag) env.value = PLACEHOLDERS.tag[0];
    }
  }
  return object;
}

/**
 * Every other mention of the namespace as a whole word (a ServiceMonitor's
 * namespaceSelector, rule and dashboard queries, policy selectors), but not
 * inside longer names such as a `search-prod-backups` bucket.
 */
function replaceNamespaceText(node: KubeObject, namespace: string): void {
  const word = new RegExp(`(?<![A-Za-z0-9_.-])${namespace.replace(/[.-]/g, '\\$&')}(?![A-Za-z0-9_-])`, 'g');
  const visit = (value: unknown): unknown => {
    if (typeof value === 'string') return value.replace(word, PLACEHOLDERS.namespaceText[0]);
    if (Array.isArray(value)) return value.map(visit);
    if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) (value as KubeObject)[key] = visit(child);
    }
    return value;
  };
  visit(node);
}

/** YAML in which every literal `{{`/`}}` survives Helm, then the placeholders become actions. */
function templateYaml(object: KubeObject): string {
  let text = stringify(object, { lineWidth: 0 }).replace(/\{\{|\}\}/g, (m) => `{{ "${m}" }}`);
  for (const [placeholder, action] of Object.values(PLACEHOLDERS)) text = text.split(placeholder).join(action);
  return text;
}

function valuesYaml(spec: EnvironmentSpec): string {
  return [
    '# Defaults render the manifests of the environment this chart was synthesized from.',
    '# Namespace of every namespaced object, and the Namespace the chart creates.',
    `namespace: ${spec.namespace}`,
    'image:',
    `  repository: ${spec.image.repository}`,
    '  # A pinned tag; "latest" is refused by values.schema.json.',
    `  tag: "${spec.image.tag}"`,
    '  # Optional content digest (sha256:...); pins the image when set.',
    `  digest: "${spec.image.digest ?? ''}"`,
    '# Initial replicas; the HorizontalPodAutoscaler owns the count afterwards.',
    `replicas: ${spec.replicas}`,
    '',
  ].join('\n');
}

function valuesSchema(): object {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: false,
    required: ['namespace', 'image', 'replicas'],
    properties: {
      namespace: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$' },
      image: {
        type: 'object',
        additionalProperties: false,
        required: ['repository', 'tag'],
        properties: {
          repository: { type: 'string', minLength: 1 },
          tag: { type: 'string', pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$', not: { const: 'latest' } },
          digest: { type: 'string', pattern: '^(sha256:[a-f0-9]{64})?$' },
        },
      },
      replicas: { type: 'integer', minimum: 1 },
    },
  };
}
