import { lazy, Suspense, useMemo, useState } from 'react';
import { api } from '../lib/api';
import type { Task } from '../lib/types';
import { useTaskStream } from '../lib/useTaskStream';
import { findBest } from '../lib/diff';
import { loadAxes, type Axes } from '../lib/axes';
import { download, experimentsCsv, runsCsv } from '../lib/analysis';
import { fmtDuration, fmtNumber } from '../lib/format';
import { navigate } from '../router';
import { BestLaunch } from '../components/BestLaunch';
import { ErrorBanner, Loading, ProgressBar, ProgressStrip, TaskStatusBadge, failureText } from '../components/common';
import { ExperimentsTable } from '../components/ExperimentsTable';
import { useColumns } from '../lib/useColumns';
import { fmtObjective, taskObjective } from '../lib/objective';

export { ExperimentsTable, sortExperiments } from '../components/ExperimentsTable';

const ScoreBarChart = lazy(() => import('../components/charts').then((m) => ({ default: m.ScoreBarChart })));
const SubRoundScatter = lazy(() => import('../components/charts').then((m) => ({ default: m.SubRoundScatter })));
const ParetoChart = lazy(() => import('../components/charts').then((m) => ({ default: m.ParetoChart })));
const SensitivityView = lazy(() => import('../components/charts').then((m) => ({ default: m.SensitivityView })));

export default function TaskResults({ taskId }: { taskId: number }) {
  const { task, experiments, progress, connected, error, studyError } = useTaskStream(taskId);
  const [hovered, setHovered] = useState<number | null>(null);
  const [tab, setTab] = useState<'overview' | 'pareto' | 'sensitivity'>('overview');
  const [axes, setAxes] = useState<Axes>(() => loadAxes());
  const [actionError, setActionError] = useState<unknown>(null);
  const best = useMemo(() => findBest(experiments, task?.summary?.best_experiment_id), [experiments, task?.summary?.best_experiment_id]);
  const columns = useColumns(taskId, experiments);

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
        <button onClick={() => download(`${task.name}-experiments.csv`, experimentsCsv(experiments, columns.hidden), 'text/csv')} disabled={!experiments.length}>
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
              <ExperimentsTable taskId={taskId} experiments={experiments} best={best} hovered={hovered} setHovered={setHovered} columns={columns} />
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
