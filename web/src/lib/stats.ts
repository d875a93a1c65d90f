import type { Experiment, RawResult } from './types';

/** A run flattened as SPEC §3 says: `stats.<metric>.<stat>` → `<metric>_<stat>`, scalars kept. */
export type FlatRun = Record<string, number | string | null>;

export const PREFERRED_AXES = [
  'num_concurrency',
  'mean_output_throughput_tokens_per_s',
  'mean_input_throughput_tokens_per_s',
  'mean_total_tokens_throughput_tokens_per_s',
  'requests_per_second',
  'error_rate',
];

export function flattenRun(run: RawResult): FlatRun {
  const out: FlatRun = {};
  for (const [key, value] of Object.entries(run)) {
    if (key === 'stats' && value && typeof value === 'object') {
      for (const [metric, stats] of Object.entries(value as Record<string, unknown>)) {
        if (!stats || typeof stats !== 'object') continue;
        for (const [stat, v] of Object.entries(stats as Record<string, unknown>)) {
          out[`${metric}_${stat}`] = typeof v === 'number' ? v : v == null ? null : Number(v);
        }
      }
    } else if (typeof value === 'number' || typeof value === 'string' || value === null) {
      out[key] = value;
    }
  }
  return out;
}

export interface ScatterPoint {
  experimentDbId: number;
  experimentNumber: number;
  run: FlatRun;
}

/** Every (scenario, concurrency) run of every experiment, flattened. */
export function subRoundPoints(experiments: Experiment[]): ScatterPoint[] {
  const points: ScatterPoint[] = [];
  for (const e of experiments) {
    for (const run of e.metrics?.raw_results ?? []) {
      points.push({ experimentDbId: e.id, experimentNumber: e.experiment_id, run: flattenRun(run) });
    }
  }
  return points;
}

/** One point as the scatter draws it; `role` picks its colour. */
export interface ScatterDatum {
  x: number;
  y: number;
  id: number;
  n: number;
  scenario: string;
  conc: number;
  role: 'best' | 'hovered' | 'other';
}

/**
 * The points of the (x, y) scatter, as one series whose order does not depend on `hovered`: the tooltip
 * finds its point by index, so a point that moved to another series on hover made it name the wrong
 * experiment (hovering #1 showed #2) or none (the last one). The best is drawn last, on top.
 */
export function scatterData(points: ScatterPoint[], x: string, y: string, bestId: number | null, hovered: number | null): ScatterDatum[] {
  const out: ScatterDatum[] = [];
  const top: ScatterDatum[] = [];
  for (const p of points) {
    const xv = p.run[x];
    const yv = p.run[y];
    if (typeof xv !== 'number' || typeof yv !== 'number') continue;
    const best = bestId != null && p.experimentDbId === bestId;
    const d: ScatterDatum = {
      x: xv, y: yv, id: p.experimentDbId, n: p.experimentNumber, scenario: String(p.run.scenario ?? ''), conc: Number(p.run.num_concurrency),
      role: best ? 'best' : hovered === p.experimentDbId ? 'hovered' : 'other',
    };
    (best ? top : out).push(d);
  }
  return [...out, ...top];
}

/** Numeric fields available as scatter axes: the preferred ones first, then every flattened stat, sorted. */
export function axisOptions(points: ScatterPoint[]): string[] {
  const numeric = new Set<string>();
  for (const p of points) {
    for (const [k, v] of Object.entries(p.run)) if (typeof v === 'number') numeric.add(k);
  }
  const preferred = PREFERRED_AXES.filter((k) => numeric.has(k));
  const rest = [...numeric].filter((k) => !PREFERRED_AXES.includes(k)).sort();
  // Keep the preferred ones even when no run has them yet, so the selectors are stable.
  const head = preferred.length ? preferred : PREFERRED_AXES.slice();
  return [...head, ...rest.filter((k) => !head.includes(k))];
}
