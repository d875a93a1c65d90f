import type { Experiment, LogLine, Progress, Task, TaskEvent } from './types';
import { mergeLogs } from './logs';
import { FINAL_EXPERIMENT_STATUSES, FINAL_TASK_STATUSES, STUDY_EVENT_TYPES } from './vocabulary.gen';

/** What a task page knows: the snapshot fetched once, then kept current by the SSE events. */
export interface TaskStreamState {
  task: Task | null;
  experiments: Experiment[];
  logs: LogLine[];
  progress: Progress | null;
  lastEventId: number | null;
  connected: boolean;
  /** The study's own error (event `error`), and how many live log lines the store refused. */
  studyError: string | null;
  unstoredLines: number;
}

export type TaskStreamAction =
  | { type: 'snapshot'; task: Task; experiments: Experiment[] }
  | { type: 'logs'; lines: LogLine[] }
  | { type: 'event'; event: TaskEvent }
  | { type: 'connection'; connected: boolean }
  /** The stream says events were missed (or the server restarted, its ids starting over): forget the last id. */
  | { type: 'resync' }
  | { type: 'reset' };

export const initialTaskStream: TaskStreamState = {
  task: null,
  experiments: [],
  logs: [],
  progress: null,
  lastEventId: null,
  connected: false,
  studyError: null,
  unstoredLines: 0,
};

const FINAL_TASK = FINAL_TASK_STATUSES;
const FINAL_EXP = FINAL_EXPERIMENT_STATUSES;

/** True when `a` (from an event) is newer than `b` (from a snapshot). */
function furtherAlong(a: Experiment, b: Experiment): boolean {
  if (FINAL_EXP.includes(b.status)) return false;
  if (FINAL_EXP.includes(a.status)) return true;
  return (a.transitions?.length ?? 0) > (b.transitions?.length ?? 0);
}

function upsert(list: Experiment[], exp: Experiment): Experiment[] {
  const i = list.findIndex((e) => e.id === exp.id);
  const next = i < 0 ? [...list, exp] : list.map((e, j) => (j === i ? { ...e, ...exp } : e));
  return next.sort((a, b) => a.experiment_id - b.experiment_id);
}

export function taskStreamReducer(state: TaskStreamState, action: TaskStreamAction): TaskStreamState {
  switch (action.type) {
    case 'reset':
      return initialTaskStream;
    case 'resync':
      // What follows a resync is new even where its ids are lower (a restarted server): no replay check against
      // the old ids; the snapshot reload that comes with it brings what was missed.
      return state.lastEventId == null ? state : { ...state, lastEventId: null };
    case 'connection':
      return state.connected === action.connected ? state : { ...state, connected: action.connected };
    case 'snapshot': {
      // Events newer than the snapshot may already be applied; merge by id, keeping the further-along status.
      let experiments = [...action.experiments].sort((a, b) => a.experiment_id - b.experiment_id);
      for (const e of state.experiments) {
        const snap = experiments.find((x) => x.id === e.id);
        if (!snap || furtherAlong(e, snap)) experiments = upsert(experiments, e);
      }
      const task =
        state.task && state.task.id === action.task.id && FINAL_TASK.includes(state.task.status) && !FINAL_TASK.includes(action.task.status)
          ? { ...action.task, status: state.task.status, stop_reason: state.task.stop_reason }
          : action.task;
      return { ...state, task, experiments };
    }
    case 'logs':
      return { ...state, logs: mergeLogs(state.logs, action.lines) };
    case 'event':
      return applyEvent(state, action.event);
  }
}

function applyEvent(state: TaskStreamState, ev: TaskEvent): TaskStreamState {
  if (ev.id != null && state.lastEventId != null && ev.id <= state.lastEventId) return state; // replayed
  const s: TaskStreamState = { ...state, lastEventId: ev.id ?? state.lastEventId };
  switch (ev.type) {
    case 'task_status':
      if (s.task) s.task = { ...s.task, status: ev.data.status, stop_reason: ev.data.stop_reason ?? s.task.stop_reason };
      return s;
    case 'experiment_created':
    case 'experiment_finished':
      s.experiments = upsert(s.experiments, ev.data);
      if (s.task && ev.type === 'experiment_created' && !state.experiments.some((e) => e.id === ev.data.id)) {
        s.task = { ...s.task, summary: { ...s.task.summary, total: (s.task.summary?.total ?? 0) + 1 } };
      }
      return s;
    case 'experiment_status': {
      const d = ev.data;
      const existing = s.experiments.find((e) => e.id === d.id);
      if (existing) {
        s.experiments = upsert(s.experiments, {
          ...existing,
          status: d.status,
          transitions: [...(existing.transitions ?? []), { status: d.status, at: d.at }],
        });
      } else {
        s.experiments = upsert(s.experiments, {
          id: d.id,
          task_id: d.task_id,
          experiment_id: d.experiment_id,
          status: d.status,
          parameters: {},
          score: null,
          feasible: null,
          metrics: null,
          error_class: '',
          error_message: '',
          transitions: [{ status: d.status, at: d.at }],
          created_at: d.at,
        });
      }
      return s;
    }
    case 'progress':
      s.progress = ev.data;
      if (s.task) {
        s.task = {
          ...s.task,
          summary: {
            ...s.task.summary,
            max_iterations: ev.data.max_iterations,
            running: ev.data.running,
            best_score: ev.data.best_score,
            best_experiment: ev.data.best_experiment,
            best_experiment_id: ev.data.best_experiment_id,
          },
        };
      }
      return s;
    case 'log':
      s.logs = mergeLogs(s.logs, [ev.data]);
      return s;
    case 'log_unstored':
      s.unstoredLines = state.unstoredLines + 1;
      return s;
    case 'error':
      s.studyError = `${ev.data.error.type}: ${ev.data.error.message}`;
      return s;
  }
  return s;
}

/** Every type `/events` sends (generated from the C++ event types). */
export const EVENT_TYPES: readonly TaskEvent['type'][] = STUDY_EVENT_TYPES;

/** Parse one SSE message into a TaskEvent (null when malformed). */
export function parseEvent(type: string, data: string, lastEventId: string): TaskEvent | null {
  if (!EVENT_TYPES.includes(type as TaskEvent['type'])) return null;
  try {
    const parsed = JSON.parse(data);
    const id = lastEventId ? Number(lastEventId) : undefined;
    return { type, data: parsed, id: Number.isFinite(id) ? id : undefined } as TaskEvent;
  } catch {
    return null;
  }
}

/** Reconnect delay after the stream closed: 1 s, 2 s, 4 s … capped at 15 s. */
export function backoff(attempt: number): number {
  return Math.min(15000, 1000 * 2 ** Math.max(0, attempt));
}
