import { act, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import TaskResults from '../pages/TaskResults';
import Logs from '../pages/Logs';
import type { Experiment, Task } from '../lib/types';
import { FakeEventSource, installEventSource, mockFetch } from './fakes';

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const task: Task = {
  id: 7, name: 'live', description: '', status: 'pending', created_at: 1, started_at: null, finished_at: null, stop_reason: '',
  spec: { task_name: 'live' },
  summary: { max_iterations: 2, total: 0, success: 0, failed: 0, pruned: 0, cancelled: 0, running: 0, best_score: null, best_experiment_id: null },
};
const exp = (status: Experiment['status'], score: number | null = null): Experiment => ({
  id: 70, task_id: 7, experiment_id: 1, status, parameters: { 'schedule-policy': 'lpm' }, score, feasible: score != null ? true : null,
  metrics: score != null ? { mean_e2e_latency: score } : null, error_class: '', error_message: '', transitions: [], created_at: 1,
});

describe('TaskResults live updates', () => {
  it('follows task and experiment status from the SSE stream, without polling', async () => {
    installEventSource();
    const { fn } = mockFetch({ 'GET /api/tasks/7': task, 'GET /api/tasks/7/experiments': { items: [] } });
    render(<TaskResults taskId={7} />);
    await screen.findByText('live');
    const es = FakeEventSource.last;
    expect(es.url).toBe('/api/events');
    act(() => es.open());
    expect(screen.getByTestId('live-indicator').textContent).toMatch(/live/);
    expect(screen.getByTestId('task-status').textContent).toBe('pending');
    const fetchesBefore = fn.mock.calls.length;

    act(() => es.emit('task_status', { task_id: 7, status: 'running', stop_reason: '' }, 1));
    expect(screen.getByTestId('task-status').textContent).toBe('running');
    act(() => es.emit('experiment_created', exp('pending'), 2));
    act(() => es.emit('experiment_status', { task_id: 7, id: 70, experiment_id: 1, status: 'benchmarking', at: 2 }, 3));
    expect(screen.getByTestId('experiments-table').textContent).toMatch(/benchmarking/);
    act(() => es.emit('experiment_finished', exp('success', 0.42), 4));
    act(() => es.emit('task_status', { task_id: 7, status: 'completed', stop_reason: 'max_iterations reached' }, 5));
    expect(screen.getByTestId('task-status').textContent).toBe('completed');
    expect(screen.getByTestId('experiments-table').textContent).toMatch(/success/);
    expect(screen.getByTestId('best-score').textContent).toMatch(/0\.42/);
    expect(screen.getByText(/max_iterations reached/)).toBeTruthy();
    // No polling: the one request is the new best's launch command, asked for once when the best appeared.
    const urls = fn.mock.calls.slice(fetchesBefore).map((c) => String(c[0]));
    expect(urls).toEqual(['/api/tasks/7/best']);
  });

  it('reopens a closed stream by itself, resuming after the last event id', async () => {
    installEventSource();
    mockFetch({ 'GET /api/tasks/7': task, 'GET /api/tasks/7/experiments': { items: [] } });
    render(<TaskResults taskId={7} />);
    await screen.findByText('live');
    const first = FakeEventSource.last;
    act(() => {
      first.open();
      first.emit('task_status', { task_id: 7, status: 'running', stop_reason: '' }, 41);
    });
    vi.useFakeTimers();
    act(() => {
      first.readyState = FakeEventSource.CLOSED;
      first.onerror?.();
    });
    expect(screen.getByTestId('live-indicator').textContent).toMatch(/reconnecting/);
    act(() => vi.advanceTimersByTime(1100));
    vi.useRealTimers();
    await waitFor(() => expect(FakeEventSource.instances.length).toBe(2));
    expect(FakeEventSource.last.url).toBe('/api/events?since=41');
    act(() => FakeEventSource.last.open());
    await waitFor(() => expect(screen.getByTestId('live-indicator').textContent).toMatch(/live/));
  });

  it('shares one stream between a results page and a log page in the same tab', async () => {
    installEventSource();
    const logTask: Task = { ...task, id: 8, name: 'logs-of-8', status: 'running' };
    mockFetch({
      'GET /api/tasks/7': task,
      'GET /api/tasks/7/experiments': { items: [] },
      'GET /api/tasks/8': logTask,
      'GET /api/tasks/8/experiments': { items: [] },
      'GET /api/tasks/8/logs': { items: [] },
    });
    render(<TaskResults taskId={7} />);
    await screen.findByText('live');
    const first = FakeEventSource.last;
    act(() => {
      first.open();
      first.emit('task_status', { task_id: 9, status: 'running', stop_reason: '' }, 20);
    });
    render(<Logs taskId={8} experiment={null} />);
    await screen.findByText(/logs-of-8/);
    // The log page needs task 8's lines: the one stream reopens naming it, after the last id, and nothing else opens.
    await waitFor(() => expect(FakeEventSource.live.map((s) => s.url)).toEqual(['/api/events?logs=8&since=20']));
    const es = FakeEventSource.last;
    act(() => {
      es.open();
      es.emit('task_status', { task_id: 7, status: 'running', stop_reason: '' }, 21);
      es.emit('log', { task_id: 8, log_id: 1, experiment_id: null, level: 'info', line: 'only on the log page', at: 1 }, 22);
    });
    expect(screen.getByTestId('task-status').textContent).toBe('running');
    expect(await screen.findByText('only on the log page')).toBeTruthy();
    expect(screen.getByTestId('log-count').textContent).toBe('1 / 1 lines');
  });

  it('reloads the snapshot on a resync and follows a restarted server whose ids start over', async () => {
    installEventSource();
    const { fn } = mockFetch({ 'GET /api/tasks/7': task, 'GET /api/tasks/7/experiments': { items: [] } });
    render(<TaskResults taskId={7} />);
    await screen.findByText('live');
    const es = FakeEventSource.last;
    act(() => {
      es.open();
      es.emit('task_status', { task_id: 7, status: 'running', stop_reason: '' }, 900);
    });
    const snapshots = () => fn.mock.calls.filter((c) => String(c[0]) === '/api/tasks/7').length;
    expect(snapshots()).toBe(1);
    act(() => es.emit('resync', { task_id: null, reason: 'server_restarted' }, 3));
    await waitFor(() => expect(snapshots()).toBe(2));
    act(() => es.emit('task_status', { task_id: 7, status: 'completed', stop_reason: 'max_iterations reached' }, 4));
    expect(screen.getByTestId('task-status').textContent).toBe('completed');
  });
});
