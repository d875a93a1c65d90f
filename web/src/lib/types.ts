// Shapes of docs/api.md (the REST/SSE contract shared with `autotuner serve`).

import type { ExperimentKind, ExperimentStatus, FailureClass, TaskStatus } from './vocabulary.gen';

export type { ExperimentKind, ExperimentStatus, FailureClass, TaskStatus } from './vocabulary.gen';
export { FINAL_EXPERIMENT_STATUSES, TASK_STATUSES } from './vocabulary.gen';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface TaskSummary {
  max_iterations: number;
  total: number;
  success: number;
  failed: number;
  pruned: number;
  cancelled: number;
  running: number;
  best_score: number | null;
  /** The best experiment by both its names (absent from older servers). */
  best_experiment?: ExperimentRef | null;
  /** = best_experiment.id */
  best_experiment_id: number | null;
  /** The best experiment's objective in its own unit (null without a best). */
  best_objective?: ObjectiveValue | null;
  /** Set once the study finished: `no_feasible_configuration` when no experiment was feasible. */
  outcome?: 'best_found' | 'no_feasible_configuration' | null;
  /** Failed experiments by error class. */
  failures?: Record<string, number>;
}

/** The primary objective of an experiment in its own unit and direction (docs/api.md). */
export interface ObjectiveValue {
  name: string;
  metric: string;
  value: number | null;
  unit: string;
  higher_is_better: boolean;
}

export interface Task {
  id: number;
  name: string;
  description: string;
  status: TaskStatus;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  stop_reason: string;
  spec: JsonObject;
  summary: TaskSummary;
}

export interface Page<T> {
  items: T[];
  total?: number;
  limit?: number;
  offset?: number;
}

/** One SPEC §3 run (`raw_results[i]`). */
export interface RawResult {
  scenario?: string;
  num_concurrency?: number;
  stats?: Record<string, Record<string, number | null>>;
  [key: string]: unknown;
}

export interface ExperimentMetrics {
  raw_results?: RawResult[];
  [key: string]: unknown;
}

export interface Transition {
  status: ExperimentStatus;
  at: number;
}

/** An experiment by the store's id (`/api/experiments/{id}`) and its number within its task. */
export interface ExperimentRef {
  id: number;
  number: number;
}

export interface Experiment {
  id: number;
  task_id: number;
  /** The number within the task (= experiment_id; absent from older servers). */
  number?: number;
  experiment_id: number;
  status: ExperimentStatus;
  parameters: Record<string, Json>;
  /** search; baseline (the engine's defaults, number 0); confirm (a re-measurement of `confirms`). */
  kind?: ExperimentKind;
  confirms?: number | null;
  /** Lower is better, for the optimizer and exports; people read `objective`. */
  score: number | null;
  objective?: ObjectiveValue | null;
  /** Σ SLO penalty folded into the score (0 when every SLO was met), null when not scored. */
  slo_penalty?: number | null;
  feasible: boolean | null;
  metrics: ExperimentMetrics | null;
  /** '' when the experiment did not fail. */
  error_class: FailureClass | '';
  error_message: string;
  transitions: Transition[];
  created_at: number;
  engine_log?: string;
}

export interface LogLine {
  task_id: number;
  log_id: number;
  /** The experiment's 1-based number within its task, or null for task-level lines. */
  experiment_id: number | null;
  level: string;
  line: string;
  at: number;
  /** The status a `[Experiment N] Status: X` line announces. */
  status?: ExperimentStatus;
}

/** A log line the store refused (event `log_unstored`): live watchers see it, the stored log does not. */
export type UnstoredLogLine = Omit<LogLine, 'log_id'> & { store_error: string };

/** Event `error`: the study could not run or ended in an error. */
export interface StudyErrorEvent {
  task_id: number;
  error: { code: number; type: string; message: string; details?: Json };
}

export interface Progress {
  task_id: number;
  max_iterations: number;
  done: number;
  running: number;
  best_score: number | null;
  best_experiment?: ExperimentRef | null;
  best_experiment_id: number | null;
  elapsed_s: number;
  eta_s: number | null;
  bench: {
    experiment_id: number;
    run: number;
    runs: number;
    warming_up: boolean;
    completed: number;
    errors: number;
    elapsed_s: number;
  } | null;
}

export interface TaskStatusEvent {
  task_id: number;
  status: TaskStatus;
  stop_reason: string;
}

export interface ExperimentStatusEvent {
  task_id: number;
  id: number;
  number?: number;
  experiment_id: number;
  status: ExperimentStatus;
  at: number;
}

export type TaskEvent =
  | { type: 'task_status'; id?: number; data: TaskStatusEvent }
  | { type: 'experiment_created'; id?: number; data: Experiment }
  | { type: 'experiment_status'; id?: number; data: ExperimentStatusEvent }
  | { type: 'experiment_finished'; id?: number; data: Experiment }
  | { type: 'progress'; id?: number; data: Progress }
  | { type: 'log'; id?: number; data: LogLine }
  | { type: 'log_unstored'; id?: number; data: UnstoredLogLine }
  | { type: 'error'; id?: number; data: StudyErrorEvent };

export interface FieldError {
  path: string;
  message: string;
}

export interface RuntimeInfo {
  name: string;
  engine?: string;
  description?: string;
  simulated?: boolean;
}

export interface FlagInfo {
  name: string;
  type?: string;
  choices?: string[];
  default?: string;
  help?: string;
  tuned?: boolean;
}

export interface QuantPreset {
  name: string;
  model_dtype?: string;
  kv_cache_dtype?: string;
  enable_fp8_compute?: boolean;
}

export interface ParamPreset {
  id: number;
  name: string;
  description?: string;
  parameters: JsonObject;
  builtin?: boolean;
  created_at?: number;
}

export interface Gpu {
  index: number;
  name?: string;
  memory_total_mb?: number;
  memory_used_mb?: number;
  utilization?: number;
  busy?: { task_id: number; experiment_id: number } | null;
  [key: string]: unknown;
}

/** One way to launch a configuration (`launch` / `engine_launch` of GET /api/tasks/{id}/best). */
export interface LaunchCommand {
  argv: string[];
  shell: string;
  env: Record<string, string>;
  docker: string | null;
  manifest: { items: JsonObject[] } | null;
  config_file: { path: string; content: string } | null;
}

/** GET /api/tasks/{id}/best (docs/api.md). */
export interface BestConfiguration {
  experiment: Experiment;
  objective: string;
  runtime: string;
  launch: LaunchCommand;
  engine_launch: (Partial<LaunchCommand> & { runtime: string; error?: string }) | null;
  baseline: { text?: string } | null;
}
