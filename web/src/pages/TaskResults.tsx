import { lazy, Suspense, useMemo, useState } from 'react';
import { api } from '../lib/api';
import type { Experiment, Task } from '../lib/types';
import { useTaskStream } from '../lib/useTaskStream';
import { findBest } from '../lib/diff';
import { loadAxes, type Axes } from '../lib/axes';
import { download, experimentsCsv, runsCsv } from '../lib/analysis';
import { fmtDuration, fmtNumber, fmtValue } from '../lib/format';
import { navigate } from '../router';
import { BestLaunch } from '../components/BestLaunch';
import { CompareButton, CompareCheck, Empty, ErrorBanner, Loading, ProgressBar, ProgressStrip, StatusBadge, TaskStatusBadge, failureText } from '../components/common';
import { directionLabel, fmtObjective, objectiveValue, taskObjective, useMetricUnits, withUnit } from '../lib/objective';
import { experimentLabel } from '../lib/labels';
import { ACTIVE_EXPERIMENT_STATUSES } from '../lib/vocabulary.gen';

const ScoreBarChart = lazy(() => import('../components/charts').then((m) => ({ default: m.ScoreBarChart })));
const SubRoundScatter = lazy(() => import('../components/charts').then((m) => ({ default: m.SubRoundScatter })));
const ParetoChart = lazy(() => import('../components/charts').then((m) => ({ default: m.ParetoChart })));
const SensitivityView = lazy(() => import('../components/charts').then((m) => ({ default: m.SensitivityView })));

const METRIC_COLUMNS = ['mean_e2e_latency', 'mean_ttft', 'mean_tpot', 'mean_output_throughput', 'mean_total_throughput', 'success_rate'];

export default function TaskResults({ taskId }: { taskId: number }) {
  const { task, experiments, progress, connected, error, studyError } = useTaskStream(taskId);
  const [hovered, setHovered] = useState<number | null>(null);
  const [tab, setTab] = useState<'overview' | 'pareto' | 'sensitivity'>('overview');
  const [axes, setAxes] = useState<Axes>(() => loadAxes());
  const [actionError, setActionError] = useState<unknown>(null);
  const best = useMemo(() => findBest(experiments, task?.summary?.best_experiment_id), [experiments, task?.summary?.best_experiment_id]);

  if (error && !task) return <ErrorBanner error={error} />;
  if (!task) return <Loading />;
  const running = task.status === 'running';
  const finished = experiments.filter((e) => ['success', 'failed', 'cancelled'].includes(e.status)).length;
  const act = async (a: string) => {
    setActionError(null);
    try {
      const answer = await api.post<Task>(`/api/tasks/${taskId}/${a}`);
      // A restart is a new task (`<name>-N`); this one keeps its results, so follow the new one.
      if (a === 'restart' && answer?.id) navigate(`/tasks/${answer.id}`);
    } catch (e) {
      setActionError(e);
    }
  };

  return (
    <div>
      <div className="row">
        <h1>{task.name}</h1>
        <span data-testid="task-status" data-outcome={task.summary?.outcome ?? ''}>
          <TaskStatusBadge task={task} />
        </span>
        <span className="muted small" data-testid="live-indicator" title="live updates over SSE">
          {connected ? '● live' : '○ reconnecting'}
        </span>
        <span className="spacer" />
        <div className="actions">
          {task.status === 'pending' ? (
            <button onClick={() => act('start')}>Start</button>
          ) : (
            <button onClick={() => act('restart')} disabled={running} title="run it again as a new task; this one keeps its results">
              Restart
            </button>
          )}
          <button onClick={() => act('cancel')} disabled={!running && task.status !== 'pending'}>
            Cancel
          </button>
          <button onClick={() => navigate(`/tasks/new?from=${taskId}`)}>Duplicate</button>
          <button onClick={() => navigate(`/tasks/${taskId}/edit`)} disabled={running}>
            Edit
          </button>
          <button onClick={() => navigate(`/tasks/${taskId}/logs`)}>Logs</button>
        </div>
      </div>
      {task.description && <p className="muted">{task.description}</p>}
      <ErrorBanner error={actionError} onClose={() => setActionError(null)} />
      {studyError && <ErrorBanner error={`The study ended in an error: ${studyError}`} />}
      {task.summary?.outcome === 'no_feasible_configuration' ? (
        <div className="banner error" data-testid="no-feasible">
          <span>
            No feasible configuration: none of the {task.summary.total} experiments succeeded within the SLOs
            {failureText(task.summary.failures) ? ` (${failureText(task.summary.failures)})` : ''}. Stopped: {task.stop_reason || task.status}. See the Error column and the
            logs for why.
          </span>
        </div>
      ) : (
        task.stop_reason && <div className="banner info">Stopped: {task.stop_reason}</div>
      )}
      <div className="card">
        <div className="row">
          <div style={{ flex: 1, minWidth: 200 }}>
            <ProgressBar done={progress?.done ?? finished} total={progress?.max_iterations ?? task.summary?.max_iterations ?? experiments.length} />
          </div>
          <span className="stat">
            <span className="muted small">best</span>
            <b data-testid="best-score" title={best ? `score ${fmtNumber(best.score)} (lower is better, for the optimizer)` : undefined}>
              {best?.objective ? fmtObjective(best.objective) : task.summary?.best_objective ? fmtObjective(task.summary.best_objective) : fmtNumber(best?.score ?? task.summary?.best_score)}
              {best ? ` (#${best.experiment_id})` : ''}
            </b>
            {best?.objective && <span className="muted small"> {best.objective.name}, {best.objective.higher_is_better ? 'higher' : 'lower'} is better</span>}
          </span>
          {progress && (
            <span className="muted small">
              elapsed {fmtDuration(progress.elapsed_s)}
              {progress.eta_s != null ? ` · eta ${fmtDuration(progress.eta_s)}` : ''}
              {progress.bench ? ` · #${progress.bench.experiment_id}: ${progress.bench.completed} req, ${progress.bench.errors} err` : ''}
            </span>
          )}
        </div>
        <div style={{ marginTop: 8 }}>
          <ProgressStrip taskId={taskId} experiments={experiments} />
        </div>
      </div>
      <BestLaunch taskId={taskId} bestExperimentId={task.summary?.best_experiment_id ?? best?.id} />

      <div className="tabs">
        {(['overview', 'pareto', 'sensitivity'] as const).map((t) => (
          <button key={t} className={tab === t ? 'active' : ''} onClick={() => setTab(t)}>
            {t === 'overview' ? 'Results' : t === 'pareto' ? 'Pareto frontier' : 'Sensitivity'}
          </button>
        ))}
        <span className="spacer" />
        <button onClick={() => download(`${task.name}-experiments.csv`, experimentsCsv(experiments), 'text/csv')} disabled={!experiments.length}>
          CSV
        </button>
        <button onClick={() => download(`${task.name}-runs.csv`, runsCsv(experiments), 'text/csv')} disabled={!experiments.length}>
          Runs CSV
        </button>
        <button onClick={() => download(`${task.name}.json`, JSON.stringify({ task, experiments }, null, 2), 'application/json')}>JSON</button>
      </div>

      <>
        {tab === 'overview' && (
          <>
            <div className="grid">
              <div className="card">
                <h2>Objective by experiment{taskObjective(experiments) ? `: ${taskObjective(experiments)?.metric}` : ''}</h2>
                <Suspense fallback={<Loading />}>
                  <ScoreBarChart experiments={experiments} best={best} hovered={hovered} setHovered={setHovered} />
                </Suspense>
              </div>
              <div className="card">
                <h2>Sub-rounds</h2>
                <Suspense fallback={<Loading />}>
                  <SubRoundScatter experiments={experiments} best={best} hovered={hovered} setHovered={setHovered} axes={axes} setAxes={setAxes} />
                </Suspense>
              </div>
            </div>
            <div className="card">
              <h2>Experiments</h2>
              <ExperimentsTable taskId={taskId} experiments={experiments} best={best} hovered={hovered} setHovered={setHovered} />
            </div>
          </>
        )}
        {tab === 'pareto' && (
          <div className="card">
            <h2>Pareto frontier: throughput vs latency</h2>
            <Suspense fallback={<Loading />}>
              <ParetoChart experiments={experiments} best={best} />
            </Suspense>
          </div>
        )}
        {tab === 'sensitivity' && (
          <div>
            <h2>Score per parameter value</h2>
            <Suspense fallback={<Loading />}>
              <SensitivityView experiments={experiments} />
            </Suspense>
          </div>
        )}
      </>
    </div>
  );
}

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

export function ExperimentsTable({
  taskId,
  experiments,
  best,
  hovered,
  setHovered,
}: {
  taskId: number;
  experiments: Experiment[];
  best: Experiment | null;
  hovered: number | null;
  setHovered: (id: number | null) => void;
}) {
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: 'experiment_id', dir: 1 });
  const [cancelling, setCancelling] = useState<Set<number>>(new Set());
  const [cancelError, setCancelError] = useState<unknown>(null);
  const [chosen, setChosen] = useState<number[]>([]);
  // One hung experiment, not the study: the experiment's own status arrives over the task's event stream.
  const cancelExperiment = async (id: number) => {
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
  const params = useMemo(() => {
    const s = new Set<string>();
    experiments.forEach((e) => Object.keys(e.parameters ?? {}).forEach((k) => s.add(k)));
    return [...s].sort();
  }, [experiments]);
  const metrics = METRIC_COLUMNS.filter((m) => experiments.some((e) => typeof e.metrics?.[m] === 'number'));
  const units = useMetricUnits();
  const objective = taskObjective(experiments);
  if (!experiments.length) return <Empty>No experiment yet — start the task to run some.</Empty>;
  const rows = sortExperiments(experiments, sort.key, sort.dir);
  const header = (key: SortKey, label: string) => (
    <th className="sortable" onClick={() => setSort({ key, dir: sort.key === key ? ((-sort.dir) as 1 | -1) : 1 })} aria-sort={sort.key === key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'}>
      {label}
      {sort.key === key ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}
    </th>
  );
  return (
    <div className="table-wrap">
      <ErrorBanner error={cancelError} onClose={() => setCancelError(null)} />
      <div className="row">
        <CompareButton kind="exp" selected={chosen} label="Compare selected" />
      </div>
      <table data-testid="experiments-table">
        <thead>
          <tr>
            <th title="choose two to compare side by side">⇄</th>
            {header('experiment_id', '#')}
            {header('status', 'Status')}
            {params.map((p) => header(`p:${p}`, p))}
            {objective && header('objective', `${objective.name} (${directionLabel(objective)})`)}
            <th title="Σ SLO penalty folded into the score">SLO penalty</th>
            {header('score', 'Score')}
            {metrics.map((m) => header(m, withUnit(m, units)))}
            <th>Error</th>
            <th>Log</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((e) => (
            <tr
              key={e.id}
              className={best?.id === e.id ? 'best' : hovered === e.id ? 'hovered' : ''}
              onMouseEnter={() => setHovered(e.id)}
              onMouseLeave={() => setHovered(null)}
            >
              <td>
                <CompareCheck id={e.id} selected={chosen} onChange={setChosen} label={`#${e.experiment_id}`} />
              </td>
              <td data-testid="experiment-label" data-kind={e.kind ?? 'search'}>{experimentLabel(e, best)}</td>
              <td>
                <StatusBadge status={e.status} />
              </td>
              {params.map((p) => (
                <td key={p}>{fmtValue(e.parameters?.[p])}</td>
              ))}
              {objective && <td data-testid="objective-cell">{fmtObjective(e.objective)}</td>}
              <td>{fmtNumber(e.slo_penalty)}</td>
              <td className="muted">{fmtNumber(e.score)}</td>
              {metrics.map((m) => (
                <td key={m}>{fmtNumber(e.metrics?.[m] as number)}</td>
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
                    disabled={cancelling.has(e.id)}
                    onClick={() => void cancelExperiment(e.id)}
                  >
                    Cancel
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
