// Generated from src/autotuner/core/vocabulary.cc, core/experiment_kind.h and runner/study_event.cc
// by runner/study_event_test.cc: do not edit (see the top of that file).

export const TASK_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const FINAL_TASK_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'cancelled'];

export const EXPERIMENT_STATUSES = ['pending', 'deploying', 'benchmarking', 'success', 'failed', 'pruned', 'cancelled'] as const;
export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];
export const ACTIVE_EXPERIMENT_STATUSES: readonly ExperimentStatus[] = ['pending', 'deploying', 'benchmarking'];
export const FINAL_EXPERIMENT_STATUSES: readonly ExperimentStatus[] = ['success', 'failed', 'pruned', 'cancelled'];

export const FAILURE_CLASSES = ['oom', 'deploy_failed', 'slo_violation', 'timeout', 'crashed', 'bench_failed', 'interrupted', 'pruned', 'internal'] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

export const EXPERIMENT_KINDS = ['search', 'baseline', 'confirm'] as const;
export type ExperimentKind = (typeof EXPERIMENT_KINDS)[number];

export const STUDY_EVENT_TYPES = ['task_status', 'experiment_created', 'experiment_status', 'experiment_finished', 'progress', 'log', 'log_unstored', 'error'] as const;
export type StudyEventType = (typeof STUDY_EVENT_TYPES)[number];
