import type { Experiment, Json } from './types';
import { fmtValue } from './format';
import { flattenRun } from './stats';
import { metricColumnId, paramColumnId } from './columns';

function metric(e: Experiment, key: string): number | null {
  const v = e.metrics?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export const THROUGHPUT_KEYS = ['mean_total_throughput', 'mean_output_throughput', 'max_total_throughput'];
export const LATENCY_METRIC_KEYS = ['mean_e2e_latency', 'p90_e2e_latency', 'mean_ttft'];

export interface ParetoPoint {
  experiment: Experiment;
  throughput: number;
  latency: number;
  onFront: boolean;
}

/** Throughput (higher better) vs latency (lower better) of every successful experiment, with its Pareto front. */
export function paretoPoints(experiments: Experiment[], throughputKey = 'mean_total_throughput', latencyKey = 'mean_e2e_latency'): ParetoPoint[] {
  const pts: ParetoPoint[] = [];
  for (const e of experiments) {
    if (e.status !== 'success') continue;
    const t = metric(e, throughputKey);
    const l = metric(e, latencyKey);
    if (t == null || l == null) continue;
    pts.push({ experiment: e, throughput: t, latency: l, onFront: false });
  }
  for (const p of pts) {
    p.onFront = !pts.some(
      (q) => q !== p && q.throughput >= p.throughput && q.latency <= p.latency && (q.throughput > p.throughput || q.latency < p.latency),
    );
  }
  return pts;
}

export interface SensitivityRow {
  parameter: string;
  values: { value: string; mean: number; best: number; count: number }[];
  /** max − min of the per-value mean scores: how much this parameter moves the score. */
  spread: number;
}

/** Score per value of each parameter (successful, scored experiments), most influential parameter first. */
export function sensitivity(experiments: Experiment[]): SensitivityRow[] {
  const scored = experiments.filter((e) => e.status === 'success' && typeof e.score === 'number');
  const params = new Set<string>();
  scored.forEach((e) => Object.keys(e.parameters ?? {}).forEach((k) => params.add(k)));
  const rows: SensitivityRow[] = [];
  for (const p of [...params].sort()) {
    const groups = new Map<string, number[]>();
    for (const e of scored) {
      const key = fmtValue(e.parameters[p] as Json);
      groups.set(key, [...(groups.get(key) ?? []), e.score as number]);
    }
    const values = [...groups.entries()].map(([value, scores]) => ({
      value,
      mean: scores.reduce((a, b) => a + b, 0) / scores.length,
      best: Math.min(...scores),
      count: scores.length,
    }));
    values.sort((a, b) => {
      const na = Number(a.value);
      const nb = Number(b.value);
      return Number.isFinite(na) && Number.isFinite(nb) ? na - nb : a.value.localeCompare(b.value);
    });
    const means = values.map((v) => v.mean);
    rows.push({ parameter: p, values, spread: means.length ? Math.max(...means) - Math.min(...means) : 0 });
  }
  return rows.sort((a, b) => b.spread - a.spread);
}

// ---------- export ----------

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * One row per experiment: ids, status, score, every parameter, every scalar metric (raw_results left out), less the
 * columns in `hidden` (`p:<flag>`, `m:<metric>`: the ones hidden in the experiments table).
 */
export function experimentsCsv(experiments: Experiment[], hidden: ReadonlySet<string> = new Set()): string {
  const params = new Set<string>();
  const metrics = new Set<string>();
  for (const e of experiments) {
    Object.keys(e.parameters ?? {}).forEach((k) => params.add(k));
    for (const [k, v] of Object.entries(e.metrics ?? {})) if (k !== 'raw_results' && (typeof v !== 'object' || v === null)) metrics.add(k);
  }
  const pcols = [...params].sort().filter((p) => !hidden.has(paramColumnId(p)));
  const mcols = [...metrics].sort().filter((m) => !hidden.has(metricColumnId(m)));
  const header = ['experiment_id', 'status', 'score', 'feasible', 'error_class', ...pcols, ...mcols];
  const lines = [header.map(csvCell).join(',')];
  for (const e of experiments) {
    lines.push(
      [e.experiment_id, e.status, e.score, e.feasible, e.error_class, ...pcols.map((p) => e.parameters?.[p]), ...mcols.map((m) => e.metrics?.[m])]
        .map(csvCell)
        .join(','),
    );
  }
  return lines.join('\n') + '\n';
}

/** Sub-round runs as CSV (flattened stats). */
export function runsCsv(experiments: Experiment[]): string {
  const rows: Record<string, unknown>[] = [];
  for (const e of experiments) for (const r of e.metrics?.raw_results ?? []) rows.push({ experiment_id: e.experiment_id, ...flattenRun(r) });
  const cols = new Set<string>();
  rows.forEach((r) => Object.keys(r).forEach((k) => cols.add(k)));
  const header = [...cols];
  return [header.join(','), ...rows.map((r) => header.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
}

export function download(filename: string, content: string, type = 'text/plain'): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
