import { useState } from 'react';
import { api } from '../lib/api';
import type { Experiment } from '../lib/types';
import { fmtNumber, fmtValue } from '../lib/format';
import { directionLabel, fmtObjective, objectiveValue, taskObjective, useMetricUnits, withUnit } from '../lib/objective';
import { experimentLabel } from '../lib/labels';
import { useColumns, type ColumnChoice } from '../lib/useColumns';
import { CompareButton, CompareCheck, Empty, ErrorBanner, StatusBadge } from './common';
import { ColumnsMenu } from './ColumnsMenu';
import { ACTIVE_EXPERIMENT_STATUSES } from '../lib/vocabulary.gen';

type SortKey = string;

const ACTIVE = ACTIVE_EXPERIMENT_STATUSES;

function sortValue(e: Experiment, key: SortKey): number | string {
  if (key === 'experiment_id') return e.experiment_id;
  if (key === 'status') return e.status;
  if (key === 'score') return e.score ?? Infinity;
  if (key === 'objective') return objectiveValue(e) ?? -Infinity;
  if (key.startsWith('p:')) {
    const v = e.parameters?.[key.slice(2)];
    return typeof v === 'number' ? v : fmtValue(v);
  }
  const v = e.metrics?.[key];
  return typeof v === 'number' ? v : Infinity;
}

export function sortExperiments(list: Experiment[], key: SortKey, dir: 1 | -1): Experiment[] {
  return [...list].sort((a, b) => {
    const va = sortValue(a, key);
    const vb = sortValue(b, key);
    const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    return c * dir;
  });
}

/** Cancels one hung experiment, not the study: the experiment's own status arrives over the task's event stream. */
function useCancelExperiment() {
  const [cancelling, setCancelling] = useState<Set<number>>(new Set());
  const [cancelError, setCancelError] = useState<unknown>(null);
  const cancel = async (id: number) => {
    setCancelError(null);
    setCancelling((prev) => new Set(prev).add(id));
    try {
      await api.post(`/api/experiments/${id}/cancel`);
    } catch (err) {
      setCancelError(err);
      setCancelling((prev) => {
        const next = new Set(prev);
        next.delete(id);
        return next;
      });
    }
  };
  return { cancelling, cancelError, setCancelError, cancel };
}

interface RowProps {
  taskId: number;
  e: Experiment;
  best: Experiment | null;
  columns: ColumnChoice;
  withObjective: boolean;
  chosen: number[];
  setChosen: (ids: number[]) => void;
  cancelling: boolean;
  onCancel: () => void;
}

function ExperimentRow({ taskId, e, best, columns, withObjective, chosen, setChosen, cancelling, onCancel }: RowProps) {
  return (
    <>
      <td>
        <CompareCheck id={e.id} selected={chosen} onChange={setChosen} label={`#${e.experiment_id}`} />
      </td>
      <td data-testid="experiment-label" data-kind={e.kind ?? 'search'}>{experimentLabel(e, best)}</td>
      <td>
        <StatusBadge status={e.status} />
      </td>
      {columns.params.map((p) => (
        <td key={p} data-column={`p:${p}`}>{fmtValue(e.parameters?.[p])}</td>
      ))}
      {withObjective && <td data-testid="objective-cell">{fmtObjective(e.objective)}</td>}
      <td>{fmtNumber(e.slo_penalty)}</td>
      <td className="muted">{fmtNumber(e.score)}</td>
      {columns.metrics.map((m) => (
        <td key={m} data-column={`m:${m}`}>{fmtNumber(e.metrics?.[m] as number)}</td>
      ))}
      <td className="small error-cell" data-testid="error-cell">
        {e.error_class}
        {e.error_message ? `${e.error_class ? ': ' : ''}${e.error_message}` : ''}
      </td>
      <td>
        <a href={`#/tasks/${taskId}/logs?exp=${e.experiment_id}`}>log</a>
        {ACTIVE.includes(e.status) && (
          <button
            className="small"
            style={{ marginLeft: 6 }}
            data-testid={`cancel-experiment-${e.experiment_id}`}
            aria-label={`Cancel experiment ${e.experiment_id}`}
            title="stop this experiment only; the study goes on with the next one"
            disabled={cancelling}
            onClick={onCancel}
          >
            Cancel
          </button>
        )}
      </td>
    </>
  );
}

export interface ExperimentsTableProps {
  taskId: number;
  experiments: Experiment[];
  best: Experiment | null;
  hovered: number | null;
  setHovered: (id: number | null) => void;
  /** The page's column choice (shared with its CSV export); the table keeps its own when not given. */
  columns?: ColumnChoice;
}

export function ExperimentsTable({ taskId, experiments, best, hovered, setHovered, columns }: ExperimentsTableProps) {
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: 'experiment_id', dir: 1 });
  const [chosen, setChosen] = useState<number[]>([]);
  const { cancelling, cancelError, setCancelError, cancel } = useCancelExperiment();
  const own = useColumns(taskId, experiments);
  const cols = columns ?? own;
  const units = useMetricUnits();
  const objective = taskObjective(experiments);
  if (!experiments.length) return <Empty>No experiment yet — start the task to run some.</Empty>;
  const rows = sortExperiments(experiments, sort.key, sort.dir);
  const header = (key: SortKey, label: string) => (
    <th key={key} className="sortable" onClick={() => setSort({ key, dir: sort.key === key ? ((-sort.dir) as 1 | -1) : 1 })} aria-sort={sort.key === key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'}>
      {label}
      {sort.key === key ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}
    </th>
  );
  return (
    <div>
      <ErrorBanner error={cancelError} onClose={() => setCancelError(null)} />
      <div className="row">
        <CompareButton kind="exp" selected={chosen} label="Compare selected" />
        <span className="spacer" />
        <ColumnsMenu choice={cols} />
      </div>
      <div className="table-wrap">
        <table data-testid="experiments-table">
          <thead>
            <tr>
              <th title="choose two to compare side by side">⇄</th>
              {header('experiment_id', '#')}
              {header('status', 'Status')}
              {cols.params.map((p) => header(`p:${p}`, p))}
              {objective && header('objective', `${objective.name} (${directionLabel(objective)})`)}
              <th title="Σ SLO penalty folded into the score">SLO penalty</th>
              {header('score', 'Score')}
              {cols.metrics.map((m) => header(m, withUnit(m, units)))}
              <th>Error</th>
              <th>Log</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <tr key={e.id} className={best?.id === e.id ? 'best' : hovered === e.id ? 'hovered' : ''} onMouseEnter={() => setHovered(e.id)} onMouseLeave={() => setHovered(null)}>
                <ExperimentRow
                  taskId={taskId}
                  e={e}
                  best={best}
                  columns={cols}
                  withObjective={!!objective}
                  chosen={chosen}
                  setChosen={setChosen}
                  cancelling={cancelling.has(e.id)}
                  onCancel={() => void cancel(e.id)}
                />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
