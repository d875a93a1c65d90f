import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import Compare from '../pages/Compare';
import type { Experiment, Task } from '../lib/types';
import { mockFetch } from './fakes';

afterEach(() => {
  vi.unstubAllGlobals();
});

const exp = (id: number, taskId: number, mem: number, value: number): Experiment => ({
  id, task_id: taskId, experiment_id: id, status: 'success', parameters: { 'mem-fraction-static': mem, 'schedule-policy': 'lpm' }, score: -value, feasible: true,
  objective: { name: 'maximize_throughput', metric: 'mean_total_throughput_per_gpu', value, unit: 'tok/s/GPU', higher_is_better: true },
  slo_penalty: 0, metrics: { mean_ttft: 0.25, mean_total_throughput_per_gpu: value }, error_class: '', error_message: '', transitions: [], created_at: 0,
});
const task = (id: number, runtime: string, best: number): Task => ({
  id, name: `task-${id}`, description: '', status: 'completed', created_at: 0, started_at: 0, finished_at: 0, stop_reason: '',
  spec: { base_runtime: runtime, model: { id_or_path: 'meta-llama/Llama-3.2-1B-Instruct' }, hardware: { gpu_type: 'H100', num_gpus: 1 } },
  summary: { max_iterations: 2, total: 2, success: 2, failed: 0, pruned: 0, cancelled: 0, running: 0, best_score: null, best_experiment_id: best },
});
const routes = {
  'GET /api/system/info': { units: { metrics: { mean_ttft: 's', mean_total_throughput_per_gpu: 'tok/s/GPU' } } },
  'GET /api/tasks/1': task(1, 'sim-sglang', 11),
  'GET /api/tasks/2': task(2, 'sim-vllm', 21),
  'GET /api/experiments/11': exp(11, 1, 0.8, 1000),
  'GET /api/experiments/12': exp(12, 1, 0.9, 900),
  'GET /api/experiments/21': exp(21, 2, 0.9, 1200),
};
const cells = (key: string) => within(screen.getAllByTestId('compare-row').find((r) => r.getAttribute('data-key') === key)!).getAllByRole('cell');

describe('Compare', () => {
  it('puts two experiments of one task side by side, differences highlighted, units on metrics', async () => {
    mockFetch(routes);
    render(<Compare query={new URLSearchParams('exp=11,12')} />);
    await screen.findByTestId('compare-table');
    await waitFor(() => expect(cells('mean_ttft')[1].textContent).toBe('0.25 s'));
    expect(cells('mem-fraction-static').map((c) => c.textContent)).toEqual(['mem-fraction-static', '0.8', '0.9', '+12.5%']);
    expect(cells('mem-fraction-static')[1].className).toContain('differs');
    expect(cells('schedule-policy')[1].className ?? '').not.toContain('differs');
    expect(cells('maximize_throughput')[1].className).toContain('better');
    expect(cells('maximize_throughput')[2].textContent).toBe('900 tok/s/GPU');
    // Same task: no task rows.
    expect(screen.getAllByTestId('compare-row').some((r) => r.getAttribute('data-section') === 'task')).toBe(false);
    fireEvent.click(screen.getByLabelText(/only differences/));
    expect(screen.getAllByTestId('compare-row').every((r) => r.getAttribute('data-differs') === 'true')).toBe(true);
  });

  it("compares the best of two tasks, engine vs engine", async () => {
    const { calls } = mockFetch(routes);
    render(<Compare query={new URLSearchParams('tasks=1,2')} />);
    await screen.findByTestId('compare-table');
    expect(cells('runtime').map((c) => c.textContent).slice(1, 3)).toEqual(['sim-sglang', 'sim-vllm']);
    expect(cells('runtime')[2].className).toContain('differs');
    expect(screen.getByTestId('compare-side-b').textContent).toContain('task-2');
    expect(calls.map((c) => c.url)).toEqual(expect.arrayContaining(['/api/experiments/11', '/api/experiments/21']));
  });

  it('says so when a task has no feasible best', async () => {
    mockFetch({ ...routes, 'GET /api/tasks/2': { ...task(2, 'x', 0), summary: { ...task(2, 'x', 0).summary, best_experiment_id: null } } });
    render(<Compare query={new URLSearchParams('tasks=1,2')} />);
    expect((await screen.findByRole('alert')).textContent).toMatch(/task-2 has no feasible experiment/);
  });
});
