import type { Experiment } from './types';

/** The metric columns the experiments table shows by default (when the experiments have them). */
export const METRIC_COLUMNS = ['mean_e2e_latency', 'mean_ttft', 'mean_tpot', 'mean_output_throughput', 'mean_total_throughput', 'success_rate'];

/** A choosable column: `p:<flag>` for a parameter, `m:<key>` for a metric. */
export interface ColumnOption {
  id: string;
  key: string;
  kind: 'param' | 'metric';
  /** Shown unless the user chose otherwise. */
  byDefault: boolean;
}

/** The user's choices for one task: column id → shown. Columns without an entry follow their default. */
export type ColumnOverrides = Record<string, boolean>;

export function columnsStorageKey(taskId: number): string {
  return `autotuner.columns.${taskId}`;
}

export const paramColumnId = (key: string) => `p:${key}`;
export const metricColumnId = (key: string) => `m:${key}`;

function numericMetricKeys(experiments: Experiment[]): Set<string> {
  const keys = new Set<string>();
  for (const e of experiments) for (const [k, v] of Object.entries(e.metrics ?? {})) if (typeof v === 'number') keys.add(k);
  return keys;
}

/** Every parameter (all shown by default), then METRIC_COLUMNS and any other numeric metric the experiments have. */
export function columnOptions(experiments: Experiment[]): ColumnOption[] {
  const params = new Set<string>();
  experiments.forEach((e) => Object.keys(e.parameters ?? {}).forEach((k) => params.add(k)));
  const present = numericMetricKeys(experiments);
  const extra = [...present].filter((k) => !METRIC_COLUMNS.includes(k)).sort();
  return [
    ...[...params].sort().map((key): ColumnOption => ({ id: paramColumnId(key), key, kind: 'param', byDefault: true })),
    ...METRIC_COLUMNS.map((key): ColumnOption => ({ id: metricColumnId(key), key, kind: 'metric', byDefault: present.has(key) })),
    ...extra.map((key): ColumnOption => ({ id: metricColumnId(key), key, kind: 'metric', byDefault: false })),
  ];
}

export function isShown(option: ColumnOption, overrides: ColumnOverrides): boolean {
  return overrides[option.id] ?? option.byDefault;
}

/** Flips one column; an entry equal to the default is dropped, so new defaults still apply to it. */
export function toggleColumn(option: ColumnOption, overrides: ColumnOverrides): ColumnOverrides {
  const next = { ...overrides };
  const shown = !isShown(option, overrides);
  if (shown === option.byDefault) delete next[option.id];
  else next[option.id] = shown;
  return next;
}

/** The columns the user hid on purpose (left out of the CSV export too). */
export function hiddenColumnIds(overrides: ColumnOverrides): Set<string> {
  return new Set(Object.entries(overrides).filter(([, shown]) => !shown).map(([id]) => id));
}

export function loadColumnOverrides(taskId: number, storage: Pick<Storage, 'getItem'> | null = safeStorage()): ColumnOverrides {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(columnsStorageKey(taskId)) ?? '{}');
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === 'boolean')) as ColumnOverrides;
  } catch {
    return {};
  }
}

export function saveColumnOverrides(taskId: number, overrides: ColumnOverrides, storage: Pick<Storage, 'setItem' | 'removeItem'> | null = safeStorage()): void {
  try {
    if (Object.keys(overrides).length) storage?.setItem(columnsStorageKey(taskId), JSON.stringify(overrides));
    else storage?.removeItem(columnsStorageKey(taskId));
  } catch {
    /* storage full or disabled: the choice just isn't kept */
  }
}

function safeStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}
