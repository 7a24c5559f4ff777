import { ALERTS, BURN_ALERTS, LABELS } from './conventions';

/** An Alertmanager receiver, as alertmanager.yml spells it. */
export type Receiver = Readonly<Record<string, unknown>> & { readonly name: string };

export interface ReceiverSet {
  /** Pages the on-call engineer: critical alerts of paging environments. */
  readonly page: Receiver;
  /** Opens a ticket: warnings, and criticals of non-paging environments. */
  readonly ticket: Receiver;
  /** Receives the Watchdog every minute; a dead-man's switch pages when it stops. */
  readonly heartbeat: Receiver;
}

export interface AlertmanagerOptions {
  /** @defaultValue the PagerDuty, Slack and heartbeat receivers of `defaultReceivers` */
  readonly receivers?: ReceiverSet;
}

export const RECEIVER_NAMES = { page: 'page', ticket: 'ticket', heartbeat: 'heartbeat', discard: 'discard' } as const;

/** Secrets are read from files mounted into Alertmanager, never written into its configuration. */
export const SECRETS_DIR = '/etc/alertmanager/secrets';

export function defaultReceivers(heartbeatUrl = 'https://heartbeat.example.com/ping/search-ops'): ReceiverSet {
  return {
    page: { name: RECEIVER_NAMES.page, pagerduty_configs: [{ routing_key_file: `${SECRETS_DIR}/pagerduty-routing-key`, send_resolved: true }] },
    ticket: {
      name: RECEIVER_NAMES.ticket,
      slack_configs: [{ api_url_file: `${SECRETS_DIR}/slack-webhook-url`, channel: '#search-tickets', send_resolved: true }],
    },
    heartbeat: {
      name: RECEIVER_NAMES.heartbeat,
      webhook_configs: [{ url: heartbeatUrl, send_resolved: false, http_config: { authorization: { credentials_file: `${SECRETS_DIR}/heartbeat-token` } } }],
    },
  };
}

/** Alerts that are symptoms of a critical dependency being down. */
const DEPENDENCY_SYMPTOMS = [ALERTS.podsNotReady, ALERTS.indexStale, ALERTS.languageBurn, ...Object.values(BURN_ALERTS)];

/** Routing: pages and tickets to different receivers, grouped by alert and namespace. */
export function alertmanagerConfig(options: AlertmanagerOptions = {}): Record<string, unknown> {
  const receivers = options.receivers ?? defaultReceivers();
  const severity = LABELS.severity;
  return {
    route: {
      receiver: receivers.ticket.name,
      group_by: ['alertname', LABELS.namespace],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: [
        { receiver: receivers.heartbeat.name, matchers: [`alertname="${ALERTS.watchdog}"`], group_wait: '0s', group_interval: '1m', repeat_interval: '1m' },
        { receiver: receivers.page.name, matchers: [`${severity}="critical"`, 'paging="true"'], repeat_interval: '1h' },
        { receiver: receivers.ticket.name, matchers: [`${severity}=~"critical|warning"`] },
        { receiver: RECEIVER_NAMES.discard, matchers: [`${severity}="info"`] },
      ],
    },
    inhibit_rules: [
      // The ticket adds nothing while the page for the same problem is out.
      { source_matchers: [`${severity}="critical"`], target_matchers: [`${severity}="warning"`], equal: ['alertname', LABELS.namespace] },
      // The cause pages; its symptoms stay quiet.
      {
        source_matchers: [`alertname="${ALERTS.dependencyDown}"`],
        target_matchers: [`alertname=~"${DEPENDENCY_SYMPTOMS.join('|')}"`],
        equal: [LABELS.namespace],
      },
    ],
    receivers: [receivers.page, receivers.ticket, receivers.heartbeat, { name: RECEIVER_NAMES.discard }],
  };
}
