// Side-by-side comparison of two experiments (or of two tasks' best experiments): one row per task field,
// parameter, objective and metric, each with its unit, whether the two sides differ, and the relative change.
import type { Experiment, Json, Task } from './types';
import { fmtNumber, fmtValue, valueAt } from './format';

export type CompareSection = 'task' | 'parameter' | 'objective' | 'metric';

export interface CompareRow {
  section: CompareSection;
  key: string;
  a: string;
  b: string;
  unit: string;
  differs: boolean;
  /** (b − a) / |a| in percent, for two finite numbers with a ≠ 0; else null. */
  change: number | null;
  /** Which side is better, where the direction is known (the objective); else null. */
  better: 'a' | 'b' | null;
}

export interface CompareSide {
  experiment: Experiment;
  task?: Task | null;
}

const same = (x: Json | unknown, y: Json | unknown) => JSON.stringify(x ?? null) === JSON.stringify(y ?? null);

function change(x: unknown, y: unknown): number | null {
  if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y) || x === 0) return null;
  return ((y - x) / Math.abs(x)) * 100;
}

function row(section: CompareSection, key: string, x: unknown, y: unknown, unit = ''): CompareRow {
  return { section, key, a: fmtValue(x), b: fmtValue(y), unit, differs: !same(x, y), change: change(x, y), better: null };
}

/** Scalar metrics (numbers, strings, booleans) of an experiment; `raw_results` and nested objects are left out. */
export function scalarMetrics(e: Experiment): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(e.metrics ?? {})) {
    if (v === null || ['number', 'string', 'boolean'].includes(typeof v)) out[k] = v as Json;
  }
  return out;
}

const at = (obj: unknown, path: string): unknown => valueAt(obj, path.split('.'));

/** Task fields worth seeing next to each other when two tasks' bests are compared (engine vs engine, GPU vs GPU). */
export const TASK_FIELDS: [string, string][] = [
  ['task', 'name'],
  ['runtime', 'spec.base_runtime'],
  ['model', 'spec.model.id_or_path'],
  ['deployment', 'spec.deployment_mode'],
  ['GPU type', 'spec.hardware.gpu_type'],
  ['GPUs', 'spec.hardware.num_gpus'],
  ['objective', 'spec.optimization.objective'],
];

function sortedUnion(x: Record<string, unknown>, y: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(x), ...Object.keys(y)])].sort();
}

/**
 * Rows comparing side `a` with side `b`: task fields (when both sides carry their task), every parameter of
 * either side, the primary objective in its unit with the better side marked, then every scalar metric with its
 * unit from `units` (GET /api/system/info `units.metrics`).
 */
export function compareRows(a: CompareSide, b: CompareSide, units: Record<string, string> = {}): CompareRow[] {
  const rows: CompareRow[] = [];
  if (a.task && b.task) for (const [label, path] of TASK_FIELDS) rows.push(row('task', label, at(a.task, path), at(b.task, path)));
  const pa = a.experiment.parameters ?? {};
  const pb = b.experiment.parameters ?? {};
  for (const k of sortedUnion(pa, pb)) rows.push(row('parameter', k, pa[k], pb[k]));
  const oa = a.experiment.objective;
  const ob = b.experiment.objective;
  const objective = oa ?? ob;
  if (objective) {
    const r = row('objective', objective.name, oa?.value, ob?.value, objective.unit);
    const [va, vb] = [oa?.value, ob?.value];
    if (typeof va === 'number' && typeof vb === 'number' && va !== vb) {
      r.better = (vb > va) === objective.higher_is_better ? 'b' : 'a';
    }
    rows.push(r, row('objective', 'slo_penalty', a.experiment.slo_penalty, b.experiment.slo_penalty));
  }
  const ma = scalarMetrics(a.experiment);
  const mb = scalarMetrics(b.experiment);
  for (const k of sortedUnion(ma, mb)) rows.push(row('metric', k, ma[k], mb[k], units[k] ?? ''));
  return rows;
}

/** "+12.5%", "−3%", '' when there is no change to show. */
export function fmtChange(change: number | null): string {
  if (change == null || change === 0) return '';
  return `${change > 0 ? '+' : '−'}${fmtNumber(Math.abs(change), 3)}%`;
}

/** `#/compare?exp=ID,ID` (store ids) or `#/compare?tasks=ID,ID` (their best experiments). */
export function compareHref(kind: 'exp' | 'tasks', ids: number[]): string {
  return `#/compare?${kind}=${ids.join(',')}`;
}

/** The two ids of a compare route's `exp` / `tasks` value, or null when it does not hold exactly two. */
export function parseCompareIds(value: string | null): [number, number] | null {
  const ids = (value ?? '').split(',').map(Number);
  return ids.length === 2 && ids.every((n) => Number.isInteger(n) && n > 0) ? [ids[0], ids[1]] : null;
}

/** A selection of at most two ids: toggling a third drops the oldest choice. */
export function toggleTwo(selected: number[], id: number): number[] {
  if (selected.includes(id)) return selected.filter((x) => x !== id);
  return [...selected, id].slice(-2);
}
