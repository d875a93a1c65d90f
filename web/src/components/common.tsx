import type { ReactNode } from 'react';
import type { Experiment, Task, TaskSummary } from '../lib/types';
import { summarySegments } from '../lib/taskList';
import { STATUS_COLORS, fmtNumber, fmtValue } from '../lib/format';
import { compareHref, toggleTwo } from '../lib/compare';

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className="badge" data-status={status} style={{ background: STATUS_COLORS[status] ?? '#6b7280' }}>
      {status}
    </span>
  );
}

/** "deploy_failed ×2, oom ×1", most frequent first. */
export function failureText(failures: Record<string, number> | undefined): string {
  return Object.entries(failures ?? {})
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([cls, n]) => `${cls} ×${n}`)
    .join(', ');
}

/** The task's status, except that a study that finished without one feasible experiment says so (not a green "completed"). */
export function TaskStatusBadge({ task }: { task: Pick<Task, 'status' | 'summary'> }) {
  if (task.summary?.outcome === 'no_feasible_configuration') {
    return (
      <span className="badge" data-status="no_feasible_configuration" title={`${task.status}: ${failureText(task.summary.failures)}`} style={{ background: STATUS_COLORS.failed }}>
        no feasible configuration
      </span>
    );
  }
  return <StatusBadge status={task.status} />;
}

export function ErrorBanner({ error, onClose }: { error: unknown; onClose?: () => void }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="banner error" role="alert">
      <span>{message}</span>
      {onClose && (
        <button className="link" onClick={onClose} aria-label="dismiss">
          ×
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

export function Loading() {
  return <div className="loading">Loading…</div>;
}

export function ProgressBar({ done, total }: { done: number; total: number }) {
  const pct = total > 0 ? Math.min(100, (100 * done) / total) : 0;
  return (
    <div className="progress" title={`${done} / ${total}`} role="progressbar" aria-valuenow={done} aria-valuemax={total}>
      <div className="progress-fill" style={{ width: `${pct}%` }} />
      <span className="progress-label">
        {done} / {total}
      </span>
    </div>
  );
}

/** One block per experiment, coloured by status; tooltip with parameters and score; click opens its log. */
export function ProgressStrip({ taskId, experiments }: { taskId: number; experiments: Experiment[] }) {
  if (!experiments.length) return <span className="muted">no experiments yet</span>;
  return (
    <div className="strip" data-testid="progress-strip">
      {experiments.map((e) => (
        <a
          key={e.id}
          className="strip-block"
          href={`#/tasks/${taskId}/logs?exp=${e.experiment_id}`}
          style={{ background: STATUS_COLORS[e.status] ?? '#999' }}
          data-status={e.status}
          title={`#${e.experiment_id} ${e.status}\n${Object.entries(e.parameters ?? {})
            .map(([k, v]) => `${k}: ${fmtValue(v)}`)
            .join('\n')}\nscore: ${fmtNumber(e.score)}`}
        />
      ))}
    </div>
  );
}

export function FieldErrors({ messages }: { messages: string[] }) {
  if (!messages.length) return null;
  return (
    <div className="field-error" role="alert">
      {messages.map((m, i) => (
        <div key={i}>{m}</div>
      ))}
    </div>
  );
}

/** Opens the compare view once exactly two experiments (`exp`, store ids) or tasks (`tasks`) are chosen. */
export function CompareButton({ kind, selected, label }: { kind: 'exp' | 'tasks'; selected: number[]; label: string }) {
  return (
    <button data-testid="compare-selected" disabled={selected.length !== 2} onClick={() => (window.location.hash = compareHref(kind, selected))} title="choose two with the checkboxes">
      {label} ({selected.length}/2)
    </button>
  );
}

/** A row's "choose for comparison" checkbox; choosing a third drops the oldest choice. */
export function CompareCheck({ id, selected, onChange, label }: { id: number; selected: number[]; onChange: (s: number[]) => void; label: string }) {
  return <input type="checkbox" aria-label={`compare ${label}`} data-testid="compare-check" checked={selected.includes(id)} onChange={() => onChange(toggleTwo(selected, id))} />;
}

/** A task's experiments by status from its summary: one segment per status, as wide as its count. */
export function SummaryStrip({ summary }: { summary: TaskSummary | null | undefined }) {
  const segments = summarySegments(summary);
  if (!segments.length) return <span className="muted">no experiments yet</span>;
  const title = segments.map((x) => `${x.count} ${x.status === 'remaining' ? 'not started' : x.status}`).join(', ');
  return (
    <div className="strip summary-strip" data-testid="summary-strip" title={title}>
      {segments.map((x) => (
        <span key={x.status} className="strip-segment" data-status={x.status} data-count={x.count} style={{ flexGrow: x.count, background: STATUS_COLORS[x.status] ?? '#e5e7eb' }}>
          {x.count}
        </span>
      ))}
    </div>
  );
}
