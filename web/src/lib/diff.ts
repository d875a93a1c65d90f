import type { Experiment, Json } from './types';
import { fmtValue } from './format';

export interface DiffLine {
  key: string;
  value: string;
  best: string | null;
  /** True when this parameter differs from the best experiment's value. */
  differs: boolean;
  /** `key: value` or, when it differs, `key: value (best: other)`. */
  text: string;
}

function same(a: Json | undefined, b: Json | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * The tooltip of the Objective Scores bar chart: every tuned parameter of `exp`; parameters that differ from the
 * best experiment read `key: value (best: other)`. Keys are the union of both experiments' parameters, sorted.
 */
export function parameterDiff(
  params: Record<string, Json>,
  bestParams: Record<string, Json> | null | undefined,
): DiffLine[] {
  const keys = new Set(Object.keys(params));
  if (bestParams) Object.keys(bestParams).forEach((k) => keys.add(k));
  return [...keys].sort().map((key) => {
    const value = fmtValue(params[key]);
    if (!bestParams || same(params[key], bestParams[key])) {
      return { key, value, best: null, differs: false, text: `${key}: ${value}` };
    }
    const best = fmtValue(bestParams[key]);
    return { key, value, best, differs: true, text: `${key}: ${value} (best: ${best})` };
  });
}

/** The best experiment: the task summary's when known, else the lowest score among feasible successes. */
export function findBest(experiments: Experiment[], bestId?: number | null): Experiment | null {
  if (bestId != null) {
    const byId = experiments.find((e) => e.id === bestId);
    if (byId) return byId;
  }
  let best: Experiment | null = null;
  for (const e of experiments) {
    if (e.status !== 'success' || e.score == null || e.feasible === false) continue;
    if (!best || (best.score ?? Infinity) > e.score) best = e;
  }
  return best;
}
