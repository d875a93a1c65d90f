import { describe, expect, it } from 'vitest';
import { backoff, initialTaskStream, parseEvent, taskStreamReducer, type TaskStreamState } from '../taskStream';
import type { Experiment, Task, TaskEvent } from '../types';

const task: Task = {
  id: 3, name: 'q', description: '', status: 'pending', created_at: 1, started_at: null, finished_at: null, stop_reason: '', spec: {},
  summary: { max_iterations: 4, total: 0, success: 0, failed: 0, pruned: 0, cancelled: 0, running: 0, best_score: null, best_experiment_id: null },
};
const exp = (id: number, n: number, status: Experiment['status'] = 'pending'): Experiment => ({
  id, task_id: 3, experiment_id: n, status, parameters: { a: n }, score: null, feasible: null, metrics: null, error_class: '', error_message: '',
  transitions: [{ status: 'pending', at: 1 }], created_at: 1,
});
const run = (s: TaskStreamState, ...events: TaskEvent[]) => events.reduce((st, event) => taskStreamReducer(st, { type: 'event', event }), s);

describe('taskStreamReducer', () => {
  const snap = taskStreamReducer(initialTaskStream, { type: 'snapshot', task, experiments: [] });

  it('applies task status, experiment lifecycle, progress and logs', () => {
    const s = run(
      snap,
      { type: 'task_status', id: 1, data: { task_id: 3, status: 'running', stop_reason: '' } },
      { type: 'experiment_created', id: 2, data: exp(17, 1) },
      { type: 'experiment_status', id: 3, data: { task_id: 3, id: 17, experiment_id: 1, status: 'deploying', at: 2 } },
      { type: 'log', id: 4, data: { task_id: 3, log_id: 1, experiment_id: 1, level: 'info', line: '[Experiment 1] Status: DEPLOYING', at: 2 } },
      { type: 'experiment_finished', id: 5, data: { ...exp(17, 1, 'success'), score: 0.5, transitions: [] } },
      { type: 'progress', id: 6, data: { task_id: 3, max_iterations: 4, done: 1, running: 0, best_score: 0.5, best_experiment_id: 17, elapsed_s: 3, eta_s: 9, bench: null } },
    );
    expect(s.task?.status).toBe('running');
    expect(s.experiments).toHaveLength(1);
    expect(s.experiments[0]).toMatchObject({ status: 'success', score: 0.5 });
    expect(s.logs.map((l) => l.line)).toEqual(['[Experiment 1] Status: DEPLOYING']);
    expect(s.task?.summary.best_experiment_id).toBe(17);
    expect(s.task?.summary.total).toBe(1);
    expect(s.progress?.done).toBe(1);
    expect(s.lastEventId).toBe(6);
  });

  it('ignores replayed events (id ≤ last seen)', () => {
    const ev: TaskEvent = { type: 'experiment_status', id: 9, data: { task_id: 3, id: 17, experiment_id: 1, status: 'deploying', at: 2 } };
    const s1 = run(snap, { type: 'experiment_created', id: 8, data: exp(17, 1) }, ev);
    const s2 = run(s1, ev);
    expect(s2).toBe(s1);
    expect(s2.experiments[0].transitions).toHaveLength(2);
  });

  it('after a resync, applies events again even with lower ids (a restarted server counts from 1)', () => {
    const s1 = run(snap, { type: 'task_status', id: 500, data: { task_id: 3, status: 'running', stop_reason: '' } });
    const stale = run(s1, { type: 'task_status', id: 2, data: { task_id: 3, status: 'completed', stop_reason: 'done' } });
    expect(stale.task?.status).toBe('running');
    const s2 = run(taskStreamReducer(s1, { type: 'resync' }), { type: 'task_status', id: 2, data: { task_id: 3, status: 'completed', stop_reason: 'done' } });
    expect(s2.task?.status).toBe('completed');
    expect(s2.lastEventId).toBe(2);
  });

  it('creates an experiment it only knows from a status event, keeps experiments ordered', () => {
    const s = run(
      snap,
      { type: 'experiment_status', id: 1, data: { task_id: 3, id: 20, experiment_id: 2, status: 'deploying', at: 5 } },
      { type: 'experiment_created', id: 2, data: exp(19, 1) },
    );
    expect(s.experiments.map((e) => e.experiment_id)).toEqual([1, 2]);
    expect(s.experiments[1].status).toBe('deploying');
  });

  it('a late snapshot does not roll back newer event state', () => {
    const live = run(snap, { type: 'experiment_created', id: 1, data: exp(17, 1) }, { type: 'experiment_finished', id: 2, data: exp(17, 1, 'success') }, { type: 'task_status', id: 3, data: { task_id: 3, status: 'completed', stop_reason: 'done' } });
    const s = taskStreamReducer(live, { type: 'snapshot', task: { ...task, status: 'running' }, experiments: [exp(17, 1, 'benchmarking')] });
    expect(s.experiments[0].status).toBe('success');
    expect(s.task?.status).toBe('completed');
  });

  it('tracks the connection', () => {
    expect(taskStreamReducer(snap, { type: 'connection', connected: true }).connected).toBe(true);
  });
});

describe('parseEvent / backoff', () => {
  it('parses known event types with their id', () => {
    expect(parseEvent('task_status', '{"task_id":1,"status":"running","stop_reason":""}', '12')).toEqual({
      type: 'task_status', id: 12, data: { task_id: 1, status: 'running', stop_reason: '' },
    });
    expect(parseEvent('bogus', '{}', '1')).toBeNull();
    expect(parseEvent('log', '{bad', '1')).toBeNull();
  });
  it('backs off exponentially up to 15 s', () => {
    expect([0, 1, 2, 3, 10].map(backoff)).toEqual([1000, 2000, 4000, 8000, 15000]);
  });
});
