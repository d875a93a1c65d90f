import { fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import Tasks from '../pages/Tasks';
import type { Task } from '../lib/types';
import { installEventSource, mockFetch } from './fakes';

afterEach(() => {
  vi.unstubAllGlobals();
  window.location.hash = '';
});

const task = (id: number, name: string, runtime: string): Task => ({
  id, name, description: '', status: 'completed', created_at: id, started_at: 1, finished_at: 2, stop_reason: '',
  spec: { base_runtime: runtime, model: { id_or_path: 'meta-llama/Llama-3.2-1B-Instruct' }, optimization: { objective: 'maximize_throughput' } },
  summary: {
    max_iterations: 4, total: 4, success: 3, failed: 1, pruned: 0, cancelled: 0, running: 0, best_score: -1500, best_experiment_id: id * 10,
    best_objective: { name: 'maximize_throughput', metric: 'mean_total_throughput_per_gpu', value: 1500, unit: 'tok/s/GPU', higher_is_better: true },
  },
});

describe('Tasks', () => {
  it('shows runtime, model, objective and best from the summaries alone, searches by name, compares two bests', async () => {
    installEventSource();
    const { calls } = mockFetch({ 'GET /api/tasks': { items: [task(1, 'sglang-h100', 'sim-sglang'), task(2, 'vllm-h100', 'sim-vllm')] } });
    render(<Tasks />);
    const row = await screen.findByTestId('task-row-sglang-h100');
    expect(within(row).getByTestId('task-runtime').textContent).toBe('sim-sglang');
    expect(within(row).getByTestId('task-model').textContent).toBe('meta-llama/Llama-3.2-1B-Instruct');
    expect(within(row).getByTestId('task-objective').textContent).toBe('maximize_throughput');
    expect(within(row).getByTestId('task-best').textContent).toBe('1500 tok/s/GPU');
    expect(within(row).getByTestId('summary-strip').title).toBe('3 success, 1 failed');
    expect(calls.filter((c) => c.url.includes('/experiments'))).toEqual([]);

    fireEvent.change(screen.getByLabelText('search by name'), { target: { value: 'VLLM' } });
    expect(screen.queryByTestId('task-row-sglang-h100')).toBeNull();
    expect(screen.getByTestId('task-row-vllm-h100')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('search by name'), { target: { value: '' } });

    fireEvent.click(screen.getByLabelText('compare sglang-h100'));
    fireEvent.click(screen.getByLabelText('compare vllm-h100'));
    fireEvent.click(screen.getByTestId('compare-selected'));
    expect(window.location.hash).toBe('#/compare?tasks=1,2');
  });
});
