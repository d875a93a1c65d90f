// The task list's columns and name search, read from the task summaries GET /api/tasks returns (no request per row).
import type { Json, Task, TaskSummary } from './types';
import { fmtNumber, valueAt } from './format';
import { fmtObjective } from './objective';

const at = (spec: Json | undefined, ...path: string[]) => valueAt(spec, path) as Json | undefined;
const text = (v: Json | undefined): string => (typeof v === 'string' ? v : v == null ? '' : Array.isArray(v) ? v.map(text).join(', ') : String(v));

export interface TaskColumns {
  runtime: string;
  model: string;
  /** The task's objective(s): one name, or several comma separated (multi-objective). */
  objective: string;
  /** The best experiment's objective in its unit ("1234.5 tok/s/GPU"), else its score, else '—'. */
  best: string;
}

export function taskColumns(t: Task): TaskColumns {
  const s = t.summary;
  return {
    runtime: text(at(t.spec, 'base_runtime')),
    model: text(at(t.spec, 'model', 'id_or_path')),
    objective: text(at(t.spec, 'optimization', 'objective')),
    best: s?.best_objective ? fmtObjective(s.best_objective) : fmtNumber(s?.best_score),
  };
}

/** Tasks whose name contains every word of `query` (case-insensitive); an empty query keeps them all. */
export function filterTasksByName(tasks: Task[], query: string): Task[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return tasks;
  return tasks.filter((t) => words.every((w) => t.name.toLowerCase().includes(w)));
}

export interface SummarySegment {
  status: 'success' | 'failed' | 'pruned' | 'cancelled' | 'running' | 'pending' | 'remaining';
  count: number;
}

/** The summary's experiments by status, in strip order, plus the iterations not started yet; empty counts left out. */
export function summarySegments(s: TaskSummary | null | undefined): SummarySegment[] {
  if (!s) return [];
  const finished = s.success + s.failed + s.pruned + s.cancelled;
  const queued = Math.max(0, s.total - finished - s.running);
  const remaining = Math.max(0, (s.max_iterations ?? 0) - s.total);
  const all: SummarySegment[] = [
    { status: 'success', count: s.success },
    { status: 'failed', count: s.failed },
    { status: 'pruned', count: s.pruned },
    { status: 'cancelled', count: s.cancelled },
    { status: 'running', count: s.running },
    { status: 'pending', count: queued },
    { status: 'remaining', count: remaining },
  ];
  return all.filter((x) => x.count > 0);
}
