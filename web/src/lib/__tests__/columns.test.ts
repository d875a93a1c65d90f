import { describe, expect, it } from 'vitest';
import { columnOptions, columnsStorageKey, hiddenColumnIds, isShown, loadColumnOverrides, saveColumnOverrides, toggleColumn } from '../columns';
import type { Experiment } from '../types';

const exp = (parameters: Experiment['parameters'], metrics: Experiment['metrics']): Experiment => ({
  id: 1, task_id: 1, experiment_id: 1, status: 'success', parameters, score: 1, feasible: true, metrics,
  error_class: '', error_message: '', transitions: [], created_at: 0,
});

const memory = () => {
  const data = new Map<string, string>();
  return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v), removeItem: (k: string) => void data.delete(k), data };
};

describe('columnOptions', () => {
  it('shows parameters and the METRIC_COLUMNS the data has by default; other numeric metrics are offered hidden', () => {
    const options = columnOptions([exp({ tp: 1 }, { mean_ttft: 0.1, p99_ttft: 0.3, note: 'x', raw_results: [] }), exp({ dp: 2 }, null)]);
    const byId = Object.fromEntries(options.map((o) => [o.id, o.byDefault]));
    expect(options.map((o) => o.id).slice(0, 2)).toEqual(['p:dp', 'p:tp']);
    expect(byId).toMatchObject({ 'p:dp': true, 'p:tp': true, 'm:mean_ttft': true, 'm:mean_e2e_latency': false, 'm:p99_ttft': false });
    expect(byId['m:note']).toBeUndefined();
    expect(byId['m:raw_results']).toBeUndefined();
  });
});

describe('column overrides', () => {
  const option = { id: 'm:p99_ttft', key: 'p99_ttft', kind: 'metric' as const, byDefault: false };

  it('toggling back to the default drops the entry', () => {
    const shown = toggleColumn(option, {});
    expect(shown).toEqual({ 'm:p99_ttft': true });
    expect(isShown(option, shown)).toBe(true);
    expect(toggleColumn(option, shown)).toEqual({});
    expect(hiddenColumnIds({ 'p:a': false, 'm:x': true })).toEqual(new Set(['p:a']));
  });

  it('is stored per task, and an empty choice removes the entry', () => {
    const storage = memory();
    saveColumnOverrides(3, { 'p:a': false }, storage);
    expect(storage.data.get(columnsStorageKey(3))).toBe('{"p:a":false}');
    expect(loadColumnOverrides(3, storage)).toEqual({ 'p:a': false });
    expect(loadColumnOverrides(4, storage)).toEqual({});
    saveColumnOverrides(3, {}, storage);
    expect(storage.data.has('autotuner.columns.3')).toBe(false);
  });

  it('ignores stored garbage', () => {
    const storage = memory();
    storage.setItem('autotuner.columns.3', '{"p:a": "no", "p:b": false}');
    storage.setItem('autotuner.columns.4', 'not json');
    storage.setItem('autotuner.columns.5', '[1]');
    expect(loadColumnOverrides(3, storage)).toEqual({ 'p:b': false });
    expect(loadColumnOverrides(4, storage)).toEqual({});
    expect(loadColumnOverrides(5, storage)).toEqual({});
  });
});
