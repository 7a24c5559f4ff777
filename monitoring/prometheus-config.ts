import { JOBS, LABELS, METRICS_SERVICE } from './conventions';

export interface PrometheusConfigOptions {
  /** Namespaces of the environments to scrape. */
  readonly namespaces: readonly string[];
  /** Rule files, relative to prometheus.yml. */
  readonly ruleFiles: readonly string[];
  /** @defaultValue ['alertmanager:9093'] */
  readonly alertmanagers?: readonly string[];
  /** @defaultValue '15s' */
  readonly scrapeInterval?: string;
  /** @defaultValue '30s' */
  readonly evaluationInterval?: string;
}

/** Keeps one named port of the engine's metrics Service and labels targets as DESIGN.md says. */
function engineJob(jobName: string, port: string, namespaces: readonly string[]): Record<string, unknown> {
  return {
    job_name: jobName,
    kubernetes_sd_configs: [{ role: 'endpoints', namespaces: { names: [...namespaces] } }],
    relabel_configs: [
      { source_labels: ['__meta_kubernetes_service_name', '__meta_kubernetes_endpoint_port_name'], regex: `${METRICS_SERVICE};${port}`, action: 'keep' },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: LABELS.namespace },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: LABELS.pod },
      { source_labels: ['__meta_kubernetes_service_name'], target_label: LABELS.service },
      { source_labels: ['__meta_kubernetes_pod_label_track'], target_label: LABELS.track },
      { source_labels: ['__meta_kubernetes_pod_label_rollouts_pod_template_hash'], target_label: LABELS.podTemplateHash },
    ],
  };
}

/** prometheus.yml for clusters without the Prometheus Operator. */
export function prometheusConfig(options: PrometheusConfigOptions): Record<string, unknown> {
  return {
    global: { scrape_interval: options.scrapeInterval ?? '15s', evaluation_interval: options.evaluationInterval ?? '30s' },
    rule_files: [...options.ruleFiles],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [...(options.alertmanagers ?? ['alertmanager:9093'])] }] }] },
    scrape_configs: [
      engineJob(JOBS.engine, 'metrics', options.namespaces),
      engineJob(JOBS.health, 'health', options.namespaces),
      {
        // Pod state for the crash-loop and not-ready alerts; its own namespace and pod labels are the ones that matter.
        job_name: 'kube-state-metrics',
        honor_labels: true,
        kubernetes_sd_configs: [{ role: 'endpoints' }],
        relabel_configs: [{ source_labels: ['__meta_kubernetes_service_name', '__meta_kubernetes_endpoint_port_name'], regex: 'kube-state-metrics;http-metrics', action: 'keep' }],
      },
    ],
  };
}
