import { describe, expect, it } from 'vitest';
import { findBest, parameterDiff } from '../diff';
import type { Experiment } from '../types';

const exp = (id: number, score: number | null, params: Experiment['parameters'], status: Experiment['status'] = 'success'): Experiment => ({
  id, task_id: 1, experiment_id: id, status, parameters: params, score, feasible: true, metrics: null, error_class: '', error_message: '', transitions: [], created_at: 0,
});

describe('parameterDiff', () => {
  it('marks parameters that differ from the best as `key: value (best: other)`', () => {
    const lines = parameterDiff({ 'mem-fraction-static': 0.7, 'schedule-policy': 'lpm' }, { 'mem-fraction-static': 0.9, 'schedule-policy': 'lpm' });
    expect(lines.map((l) => l.text)).toEqual(['mem-fraction-static: 0.7 (best: 0.9)', 'schedule-policy: lpm']);
    expect(lines[0].differs).toBe(true);
    expect(lines[1].differs).toBe(false);
  });
  it('lists every parameter plainly for the best itself (no best given)', () => {
    expect(parameterDiff({ a: 1, b: true }, null).map((l) => l.text)).toEqual(['a: 1', 'b: true']);
  });
  it('shows parameters missing on one side', () => {
    const lines = parameterDiff({ a: 1 }, { a: 1, 'tp-size': 2 });
    expect(lines.find((l) => l.key === 'tp-size')?.text).toBe('tp-size: — (best: 2)');
  });
  it('compares structurally (1 vs "1" differ, equal arrays do not)', () => {
    expect(parameterDiff({ a: 1 }, { a: '1' })[0].differs).toBe(true);
    expect(parameterDiff({ a: [1, 2] }, { a: [1, 2] })[0].differs).toBe(false);
  });
});

describe('findBest', () => {
  it('prefers the summary best id', () => {
    const list = [exp(1, 0.5, {}), exp(2, 0.9, {})];
    expect(findBest(list, 2)?.id).toBe(2);
  });
  it('falls back to the lowest feasible successful score', () => {
    const list = [exp(1, 0.5, {}, 'failed'), exp(2, 0.9, {}), exp(3, 0.7, {}), { ...exp(4, 0.1, {}), feasible: false }];
    expect(findBest(list)?.id).toBe(3);
    expect(findBest([])).toBeNull();
  });
});
