// The C++ side writes one sample of every study event (runner/study_event_test.cc) and the JSON Schema of
// the stream; the UI must decode each of them, and know exactly the types the schema has.
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, initialTaskStream, parseEvent, taskStreamReducer } from '../lib/taskStream';
import type { Task } from '../lib/types';
import { EXPERIMENT_STATUSES, STUDY_EVENT_TYPES, TASK_STATUSES } from '../lib/vocabulary.gen';
import schemaFile from '../../../docs/study-events.schema.json';
import samples from './study-events.samples.json';

interface Sample {
  type: string;
  data: Record<string, unknown>;
}

const schema = schemaFile as unknown as { oneOf: { properties: { type: { const: string } } }[] };

const task: Task = {
  id: 7, name: 't', description: '', status: 'pending', created_at: 1, started_at: null, finished_at: null, stop_reason: '', spec: {},
  summary: { max_iterations: 12, total: 0, success: 0, failed: 0, pruned: 0, cancelled: 0, running: 0, best_score: null, best_experiment_id: null },
};

describe('study events from the C++ event types', () => {
  it('the UI listens for exactly the types the schema describes', () => {
    const types = schema.oneOf.map((o) => o.properties.type.const);
    expect([...STUDY_EVENT_TYPES]).toEqual(types);
    expect([...EVENT_TYPES]).toEqual(types);
  });

  it('has a sample of every type, each parsed by the stream', () => {
    const list = samples as Sample[];
    expect(new Set(list.map((s) => s.type))).toEqual(new Set(STUDY_EVENT_TYPES));
    for (const [i, s] of list.entries()) {
      const ev = parseEvent(s.type, JSON.stringify(s.data), String(i + 1));
      expect(ev, s.type).not.toBeNull();
    }
  });

  it('every sample moves the task page forward', () => {
    let state = taskStreamReducer(initialTaskStream, { type: 'snapshot', task, experiments: [] });
    for (const [i, s] of (samples as Sample[]).entries()) {
      const ev = parseEvent(s.type, JSON.stringify(s.data), String(i + 1));
      if (ev) state = taskStreamReducer(state, { type: 'event', event: ev });
    }
    expect(TASK_STATUSES).toContain(state.task?.status);
    expect(state.task?.status).toBe('running');
    expect(state.experiments).toHaveLength(1);
    expect(EXPERIMENT_STATUSES).toContain(state.experiments[0].status);
    expect(state.experiments[0]).toMatchObject({ experiment_id: 3, status: 'success' });
    expect(state.logs.map((l) => l.status)).toEqual(['success']);
    expect(state.unstoredLines).toBe(1);
    expect(state.studyError).toMatch(/no GPU free/);
    expect(state.progress?.bench).toBeNull();
  });
});
