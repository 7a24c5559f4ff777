/**
 * Grafana dashboard JSON (schemaVersion 39) from panel specs: serialization and
 * layout only, no PromQL. Output depends on the input alone, so a second synth
 * changes no byte.
 */

export const SCHEMA_VERSION = 39;
export const DATASOURCE_VARIABLE = 'datasource';
/** Every panel and target reads the data source the viewer picked, never a fixed uid. */
export const PANEL_DATASOURCE = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` } as const;

const GRID_COLUMNS = 24;
const ROW_HEIGHT = 8;

export type PanelKind = 'timeseries' | 'stat';
/** Grafana unit ids; `suffix:x` shows a burn rate as "14.4x". */
export type PanelUnit = 'percentunit' | 'reqps' | 's' | 'short' | 'suffix:x';

export interface PanelTarget {
  readonly expr: string;
  /** Series name, e.g. `{{lang}}`. */
  readonly legendFormat: string;
}

export interface ThresholdStep {
  readonly value: number;
  readonly color: string;
}

export interface Thresholds {
  /** Colour below the first step. */
  readonly base: string;
  /** Ascending values; timeseries panels draw each one as a line. */
  readonly steps: readonly ThresholdStep[];
}

/** Text and colour a stat shows for an exact value, e.g. 0 -> "down". */
export interface ValueMapping {
  readonly value: number;
  readonly text: string;
  readonly color: string;
}

export interface PanelSpec {
  readonly kind: PanelKind;
  readonly title: string;
  /** Shown on hover: what the panel means to whoever is on call. */
  readonly description: string;
  readonly unit: PanelUnit;
  readonly targets: readonly PanelTarget[];
  /** @default - none: stats stay uncoloured, timeseries draw no line */
  readonly thresholds?: Thresholds;
  /** @default - none */
  readonly mappings?: readonly ValueMapping[];
  /** @default - Grafana picks from the unit */
  readonly decimals?: number;
  /** Axis minimum of a timeseries. @default 0: its ratios, rates and durations are never negative */
  readonly min?: number;
  /** Grid columns out of 24. @default an equal share of the row */
  readonly width?: number;
}

export interface DashboardJsonOptions {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  /** Grafana relative time, e.g. `now-24h`. */
  readonly timeFrom: string;
  /** Panels row by row, top to bottom. */
  readonly rows: readonly (readonly PanelSpec[])[];
}

export function dashboardJson(options: DashboardJsonOptions): Record<string, unknown> {
  return {
    uid: options.uid,
    title: options.title,
    tags: [...options.tags],
    editable: false,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    timezone: 'utc',
    // Shared crosshair: a spike in one panel lines up with the others.
    graphTooltip: 1,
    refresh: '1m',
    time: { from: options.timeFrom, to: 'now' },
    templating: { list: [datasourceVariable()] },
    annotations: { list: [] },
    links: [{ type: 'dashboards', title: 'Search dashboards', tags: [...options.tags], asDropdown: true, includeVars: true, keepTime: true }],
    panels: layoutPanels(options.rows),
  };
}

function datasourceVariable(): Record<string, unknown> {
  return {
    name: DATASOURCE_VARIABLE,
    label: 'Data source',
    type: 'datasource',
    query: 'prometheus',
    current: {},
    options: [],
    regex: '',
    refresh: 1,
    hide: 0,
  };
}

/** Ids run from 1 in reading order; each row is ROW_HEIGHT tall and at most 24 columns wide. */
function layoutPanels(rows: readonly (readonly PanelSpec[])[]): Record<string, unknown>[] {
  const panels: Record<string, unknown>[] = [];
  rows.forEach((row, rowIndex) => {
    let x = 0;
    for (const spec of row) {
      const w = spec.width ?? Math.floor(GRID_COLUMNS / row.length);
      if (x + w > GRID_COLUMNS) {
        throw new Error(`dashboard row ${rowIndex} is ${x + w} columns wide; a row holds at most ${GRID_COLUMNS}`);
      }
      panels.push(panelJson(panels.length + 1, spec, { h: ROW_HEIGHT, w, x, y: rowIndex * ROW_HEIGHT }));
      x += w;
    }
  });
  return panels;
}

interface GridPos {
  readonly h: number;
  readonly w: number;
  readonly x: number;
  readonly y: number;
}

function panelJson(id: number, spec: PanelSpec, gridPos: GridPos): Record<string, unknown> {
  return {
    id,
    type: spec.kind,
    title: spec.title,
    description: spec.description,
    datasource: { ...PANEL_DATASOURCE },
    gridPos: { ...gridPos },
    fieldConfig: { defaults: fieldDefaults(spec), overrides: [] },
    options: spec.kind === 'stat' ? statOptions(spec) : timeseriesOptions(),
    targets: spec.targets.map((target, index) => ({
      refId: String.fromCharCode('A'.charCodeAt(0) + index),
      datasource: { ...PANEL_DATASOURCE },
      expr: target.expr,
      legendFormat: target.legendFormat,
      // A stat shows one number: an instant query is cheaper than a range it would reduce anyway.
      instant: spec.kind === 'stat',
      range: spec.kind !== 'stat',
    })),
  };
}

function fieldDefaults(spec: PanelSpec): Record<string, unknown> {
  const thresholds = spec.thresholds ?? { base: 'text', steps: [] };
  return {
    unit: spec.unit,
    ...(spec.kind === 'timeseries' ? { min: spec.min ?? 0 } : {}),
    ...(spec.decimals === undefined ? {} : { decimals: spec.decimals }),
    color: { mode: spec.kind === 'stat' ? 'thresholds' : 'palette-classic' },
    // Without explicit steps Grafana colours everything above 80 red, whatever the unit.
    thresholds: {
      mode: 'absolute',
      steps: [{ color: thresholds.base, value: null }, ...thresholds.steps.map((step) => ({ color: step.color, value: step.value }))],
    },
    mappings: (spec.mappings ?? []).map((mapping) => ({
      type: 'value',
      options: { [String(mapping.value)]: { text: mapping.text, color: mapping.color, index: 0 } },
    })),
    ...(spec.kind === 'timeseries' ? { custom: timeseriesCustom(spec.thresholds !== undefined) } : {}),
  };
}

function timeseriesCustom(drawThresholds: boolean): Record<string, unknown> {
  return {
    drawStyle: 'line',
    lineWidth: 1,
    fillOpacity: 10,
    showPoints: 'never',
    spanNulls: false,
    thresholdsStyle: { mode: drawThresholds ? 'line' : 'off' },
  };
}

function timeseriesOptions(): Record<string, unknown> {
  return {
    legend: { displayMode: 'table', placement: 'right', showLegend: true, calcs: ['lastNotNull', 'max'] },
    tooltip: { mode: 'multi', sort: 'desc' },
  };
}

function statOptions(spec: PanelSpec): Record<string, unknown> {
  const coloured = spec.thresholds !== undefined || spec.mappings !== undefined;
  return {
    reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
    colorMode: coloured ? 'background' : 'none',
    graphMode: 'none',
    justifyMode: 'auto',
    orientation: 'auto',
    textMode: 'value_and_name',
  };
}
