import { useEffect, useMemo, useState } from 'react';
import { api } from '../lib/api';
import type { Experiment, Task } from '../lib/types';
import { compareRows, fmtChange, parseCompareIds, type CompareRow, type CompareSection, type CompareSide } from '../lib/compare';
import { useMetricUnits } from '../lib/objective';
import { experimentLabel } from '../lib/labels';
import { Empty, ErrorBanner, Loading } from '../components/common';

const SECTIONS: [CompareSection, string][] = [
  ['task', 'Task'],
  ['parameter', 'Parameters'],
  ['objective', 'Objective'],
  ['metric', 'Metrics'],
];

async function loadExperimentSide(id: number): Promise<CompareSide> {
  const experiment = await api.get<Experiment>(`/api/experiments/${id}`);
  const task = await api.get<Task>(`/api/tasks/${experiment.task_id}`);
  return { experiment, task };
}

async function loadBestSide(taskId: number): Promise<CompareSide> {
  const task = await api.get<Task>(`/api/tasks/${taskId}`);
  const best = task.summary?.best_experiment_id;
  if (best == null) throw new Error(`task ${task.name} has no feasible experiment to compare`);
  return { experiment: await api.get<Experiment>(`/api/experiments/${best}`), task };
}

/** `#/compare?exp=A,B` (two experiments by store id) or `#/compare?tasks=A,B` (the best of each task). */
export default function Compare({ query }: { query: URLSearchParams }) {
  const tasksMode = query.has('tasks');
  const ids = parseCompareIds(query.get(tasksMode ? 'tasks' : 'exp'));
  const key = ids?.join(',') ?? '';
  const [sides, setSides] = useState<[CompareSide, CompareSide] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [onlyDiffs, setOnlyDiffs] = useState(false);
  const units = useMetricUnits();

  useEffect(() => {
    const pair = parseCompareIds(key);
    if (!pair) return;
    let live = true;
    setSides(null);
    setError(null);
    const load = tasksMode ? loadBestSide : loadExperimentSide;
    Promise.all([load(pair[0]), load(pair[1])])
      .then((s) => live && setSides(s as [CompareSide, CompareSide]))
      .catch((e) => live && setError(e));
    return () => {
      live = false;
    };
  }, [key, tasksMode]);

  const rows = useMemo(() => {
    if (!sides) return [];
    // Two experiments of one task share every task field: show task rows only across tasks.
    const acrossTasks = sides[0].experiment.task_id !== sides[1].experiment.task_id;
    const [a, b] = acrossTasks ? sides : sides.map((s) => ({ experiment: s.experiment }));
    return compareRows(a, b, units);
  }, [sides, units]);

  if (!ids) return <Empty>Choose two experiments (results or experiments page) or two tasks (task list) to compare.</Empty>;
  if (error) return <ErrorBanner error={error} />;
  if (!sides) return <Loading />;
  const title = (s: CompareSide) => `${s.task?.name ?? `task ${s.experiment.task_id}`} ${experimentLabel(s.experiment, null)}`;
  const shown = onlyDiffs ? rows.filter((r) => r.differs) : rows;
  const differing = rows.filter((r) => r.differs).length;
  return (
    <div>
      <div className="row">
        <h1>{tasksMode ? 'Compare the best of two tasks' : 'Compare two experiments'}</h1>
        <span className="spacer" />
        <span className="muted small" data-testid="compare-diff-count">
          {differing} of {rows.length} rows differ
        </span>
        <label className="inline">
          <input type="checkbox" checked={onlyDiffs} onChange={(e) => setOnlyDiffs(e.target.checked)} /> only differences
        </label>
      </div>
      <div className="card table-wrap">
        <table className="compare" data-testid="compare-table">
          <thead>
            <tr>
              <th />
              {sides.map((s, i) => (
                <th key={i} data-testid={`compare-side-${i ? 'b' : 'a'}`}>
                  <a href={`#/tasks/${s.experiment.task_id}`}>{title(s)}</a>
                </th>
              ))}
              <th>B vs A</th>
            </tr>
          </thead>
          <tbody>
            {SECTIONS.map(([section, label]) => {
              const part = shown.filter((r) => r.section === section);
              if (!part.length) return null;
              return [
                <tr key={section}>
                  <th className="section" colSpan={4}>
                    {label}
                  </th>
                </tr>,
                ...part.map((r) => <CompareLine key={`${section}:${r.key}`} row={r} />),
              ];
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function CompareLine({ row }: { row: CompareRow }) {
  const cell = (side: 'a' | 'b') => [row.differs ? 'differs' : '', row.better === side ? 'better' : ''].join(' ').trim() || undefined;
  const unit = row.unit ? ` ${row.unit}` : '';
  return (
    <tr data-testid="compare-row" data-section={row.section} data-key={row.key} data-differs={row.differs}>
      <td>
        {row.key}
      </td>
      <td className={cell('a')}>
        {row.a}
        {row.a !== '—' && unit}
      </td>
      <td className={cell('b')}>
        {row.b}
        {row.b !== '—' && unit}
      </td>
      <td className="muted small">{fmtChange(row.change)}</td>
    </tr>
  );
}
