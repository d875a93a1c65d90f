import { describe, expect, it } from 'vitest';
import { compareHref, compareRows, fmtChange, parseCompareIds, scalarMetrics, toggleTwo } from '../compare';
import type { Experiment, Task } from '../types';

const exp = (id: number, params: Experiment['parameters'], value: number, metrics: Record<string, unknown>): Experiment => ({
  id, task_id: id, experiment_id: 1, status: 'success', parameters: params, score: -value, feasible: true,
  objective: { name: 'maximize_throughput', metric: 'mean_total_throughput_per_gpu', value, unit: 'tok/s/GPU', higher_is_better: true },
  slo_penalty: 0, metrics: { ...metrics, raw_results: [{ scenario: 'D(100,100)' }] }, error_class: '', error_message: '', transitions: [], created_at: 0,
});
const task = (id: number, runtime: string, gpu: string): Task => ({
  id, name: `t${id}`, description: '', status: 'completed', created_at: 0, started_at: 0, finished_at: 0, stop_reason: '',
  spec: { base_runtime: runtime, model: { id_or_path: 'm' }, hardware: { gpu_type: gpu, num_gpus: 1 }, optimization: { objective: 'maximize_throughput' } },
  summary: { max_iterations: 1, total: 1, success: 1, failed: 0, pruned: 0, cancelled: 0, running: 0, best_score: null, best_experiment_id: id },
});

describe('compareRows', () => {
  const a = exp(1, { 'mem-fraction-static': 0.8, 'schedule-policy': 'lpm' }, 1000, { mean_ttft: 0.2, mean_e2e_latency: 1.5 });
  const b = exp(2, { 'mem-fraction-static': 0.9, 'schedule-policy': 'lpm', 'tp-size': 2 }, 1250, { mean_ttft: 0.2, mean_e2e_latency: 1.2 });
  const rows = compareRows({ experiment: a }, { experiment: b }, { mean_ttft: 's', mean_e2e_latency: 's' });
  const find = (key: string) => rows.find((r) => r.key === key)!;

  it('lists every parameter of either side and marks those that differ', () => {
    expect(rows.filter((r) => r.section === 'parameter').map((r) => [r.key, r.a, r.b, r.differs])).toEqual([
      ['mem-fraction-static', '0.8', '0.9', true],
      ['schedule-policy', 'lpm', 'lpm', false],
      ['tp-size', '—', '2', true],
    ]);
  });
  it('gives the objective in its unit with the better side, and every scalar metric with its unit', () => {
    expect(find('maximize_throughput')).toMatchObject({ a: '1000', b: '1250', unit: 'tok/s/GPU', better: 'b', change: 25 });
    expect(find('mean_e2e_latency')).toMatchObject({ unit: 's', differs: true, better: null });
    expect(find('mean_ttft')).toMatchObject({ differs: false, change: 0 });
    expect(rows.some((r) => r.key === 'raw_results')).toBe(false);
  });
  it('marks the lower value better for a minimised objective', () => {
    const lo = (v: number) => ({ ...exp(1, {}, v, {}), objective: { name: 'minimize_latency', metric: 'mean_e2e_latency', value: v, unit: 's', higher_is_better: false } });
    expect(compareRows({ experiment: lo(1) }, { experiment: lo(2) }).find((r) => r.section === 'objective')?.better).toBe('a');
  });
  it('adds task rows (engine vs engine, GPU vs GPU) when both sides carry their task', () => {
    const t = compareRows({ experiment: a, task: task(1, 'sim-sglang', 'H100') }, { experiment: b, task: task(2, 'sim-vllm', 'H100') });
    const taskRows = t.filter((r) => r.section === 'task');
    expect(taskRows.find((r) => r.key === 'runtime')).toMatchObject({ a: 'sim-sglang', b: 'sim-vllm', differs: true });
    expect(taskRows.find((r) => r.key === 'GPU type')).toMatchObject({ a: 'H100', differs: false });
    expect(rows.some((r) => r.section === 'task')).toBe(false);
  });
});

describe('compare helpers', () => {
  it('keeps scalar metrics only', () => {
    expect(scalarMetrics(exp(1, {}, 1, { x: 1, y: 'a', z: { n: 1 } }))).toEqual({ x: 1, y: 'a' });
  });
  it('formats changes with their sign', () => {
    expect(fmtChange(25)).toBe('+25%');
    expect(fmtChange(-12.345)).toBe('−12.3%');
    expect(fmtChange(0)).toBe('');
    expect(fmtChange(null)).toBe('');
  });
  it('round-trips the route and accepts exactly two positive ids', () => {
    expect(compareHref('exp', [3, 9])).toBe('#/compare?exp=3,9');
    expect(parseCompareIds('3,9')).toEqual([3, 9]);
    expect(parseCompareIds('3')).toBeNull();
    expect(parseCompareIds('3,x')).toBeNull();
    expect(parseCompareIds(null)).toBeNull();
  });
  it('chooses at most two, dropping the oldest', () => {
    expect(toggleTwo([], 1)).toEqual([1]);
    expect(toggleTwo([1, 2], 3)).toEqual([2, 3]);
    expect(toggleTwo([1, 2], 1)).toEqual([2]);
  });
});
