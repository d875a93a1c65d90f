// The objective in its own units and direction (experiment JSON `objective`, docs/api.md): people read
// "35 039 tok/s/GPU, higher is better", the optimizer's lower-is-better `score` stays for exports.
import { useEffect, useState } from 'react';
import { api } from './api';
import type { Experiment, ObjectiveValue } from './types';
import { fmtNumber } from './format';

/** The objective value of an experiment, when the server gave one with a number. */
export function objectiveValue(e: Experiment | null | undefined): number | null {
  const v = e?.objective?.value;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The task's primary objective as its experiments carry it (they all carry the same one). */
export function taskObjective(experiments: Experiment[]): ObjectiveValue | null {
  return experiments.find((e) => e.objective)?.objective ?? null;
}

/** "35039.5 tok/s/GPU", or '—' without a value. */
export function fmtObjective(o: Pick<ObjectiveValue, 'value' | 'unit'> | null | undefined): string {
  if (!o || typeof o.value !== 'number') return '—';
  return o.unit ? `${fmtNumber(o.value)} ${o.unit}` : fmtNumber(o.value);
}

/** "tok/s/GPU, higher is better" */
export function directionLabel(o: Pick<ObjectiveValue, 'unit' | 'higher_is_better'>): string {
  return `${o.unit ? `${o.unit}, ` : ''}${o.higher_is_better ? 'higher' : 'lower'} is better`;
}

let unitsPromise: Promise<Record<string, string>> | null = null;

/** Units of metrics by name (`/api/system/info` → `units.metrics`), fetched once per page. */
export function useMetricUnits(): Record<string, string> {
  const [units, setUnits] = useState<Record<string, string>>({});
  useEffect(() => {
    unitsPromise ??= api
      .get<{ units?: { metrics?: Record<string, string> } }>('/api/system/info')
      .then((i) => i?.units?.metrics ?? {})
      .catch(() => ({}));
    let live = true;
    unitsPromise.then((u) => live && setUnits(u));
    return () => {
      live = false;
    };
  }, []);
  return units;
}

/** "mean_ttft (s)" */
export function withUnit(metric: string, units: Record<string, string>): string {
  return units[metric] ? `${metric} (${units[metric]})` : metric;
}
