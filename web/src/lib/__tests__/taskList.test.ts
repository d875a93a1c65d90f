import { describe, expect, it } from 'vitest';
import { filterTasksByName, summarySegments, taskColumns } from '../taskList';
import type { Task, TaskSummary } from '../types';

const summary = (over: Partial<TaskSummary> = {}): TaskSummary => ({
  max_iterations: 10, total: 6, success: 2, failed: 1, pruned: 1, cancelled: 0, running: 1, best_score: -1234.5, best_experiment_id: 7, ...over,
});
const task = (name: string, spec: Task['spec'] = {}, s: TaskSummary = summary()): Task => ({
  id: 1, name, description: '', status: 'running', created_at: 0, started_at: null, finished_at: null, stop_reason: '', spec, summary: s,
});

describe('taskColumns', () => {
  it('reads runtime, model and objective from the spec and the best from the summary, in its unit', () => {
    const t = task('a', { base_runtime: 'sim-sglang', model: { id_or_path: 'meta-llama/Llama-3.2-1B-Instruct' }, optimization: { objective: 'maximize_throughput' } },
      summary({ best_objective: { name: 'maximize_throughput', metric: 'mean_total_throughput_per_gpu', value: 1234.5, unit: 'tok/s/GPU', higher_is_better: true } }));
    expect(taskColumns(t)).toEqual({ runtime: 'sim-sglang', model: 'meta-llama/Llama-3.2-1B-Instruct', objective: 'maximize_throughput', best: '1234.5 tok/s/GPU' });
  });
  it('joins several objectives and falls back to the score, then to a dash', () => {
    expect(taskColumns(task('a', { optimization: { objective: ['minimize_latency', 'maximize_throughput'] } })).objective).toBe('minimize_latency, maximize_throughput');
    expect(taskColumns(task('a')).best).toBe('-1234.5');
    expect(taskColumns(task('a', {}, summary({ best_score: null })))).toEqual({ runtime: '', model: '', objective: '', best: '—' });
  });
});

describe('filterTasksByName', () => {
  const tasks = [task('quickstart'), task('Llama-H100-sweep'), task('quickstart_copy')];
  it('keeps names holding every word, case-insensitively', () => {
    expect(filterTasksByName(tasks, 'QUICK').map((t) => t.name)).toEqual(['quickstart', 'quickstart_copy']);
    expect(filterTasksByName(tasks, 'llama sweep').map((t) => t.name)).toEqual(['Llama-H100-sweep']);
    expect(filterTasksByName(tasks, '  ')).toBe(tasks);
  });
});

describe('summarySegments', () => {
  it('counts experiments by status, queued ones and iterations not started', () => {
    expect(summarySegments(summary({ total: 7 }))).toEqual([
      { status: 'success', count: 2 }, { status: 'failed', count: 1 }, { status: 'pruned', count: 1 },
      { status: 'running', count: 1 }, { status: 'pending', count: 2 }, { status: 'remaining', count: 3 },
    ]);
    expect(summarySegments(null)).toEqual([]);
  });
});
