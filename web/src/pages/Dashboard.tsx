import { useCallback, useEffect, useState } from 'react';
import { api } from '../lib/api';
import type { Experiment, Gpu, Page, Task } from '../lib/types';
import { useTaskEvents } from '../lib/useLive';
import { STATUS_COLORS, fmtDuration, fmtNumber, fmtValue } from '../lib/format';
import { Empty, ErrorBanner, Loading, ProgressBar, TaskStatusBadge } from '../components/common';
import { fmtObjective } from '../lib/objective';

const DAY = 24 * 3600;

export default function Dashboard() {
  const [tasks, setTasks] = useState<Task[] | null>(null);
  const [exps, setExps] = useState<Record<number, Experiment[]>>({});
  const [gpus, setGpus] = useState<Gpu[] | null>(null);
  const [info, setInfo] = useState<Record<string, unknown> | null>(null);
  const [error, setError] = useState<unknown>(null);

  const loadTask = useCallback(async (id: number) => {
    const [t, e] = await Promise.all([api.get<Task>(`/api/tasks/${id}`), api.get<Page<Experiment>>(`/api/tasks/${id}/experiments`)]);
    setTasks((prev) => (prev ? prev.map((x) => (x.id === id ? t : x)) : prev));
    setExps((prev) => ({ ...prev, [id]: e.items ?? [] }));
  }, []);

  useEffect(() => {
    (async () => {
      try {
        const list = await api.get<Page<Task>>('/api/tasks?limit=50&sort=created_at&order=desc');
        const items = list.items ?? [];
        setTasks(items);
        const now = Date.now() / 1000;
        const recent = items.filter((t) => t.status === 'running' || (t.finished_at ?? t.created_at) > now - DAY);
        const all = await Promise.all(recent.map((t) => api.get<Page<Experiment>>(`/api/tasks/${t.id}/experiments`).then((p) => [t.id, p.items ?? []] as const)));
        setExps(Object.fromEntries(all));
      } catch (e) {
        setError(e);
      }
    })();
    api.get<Page<Gpu> | Gpu[]>('/api/gpus').then((g) => setGpus(Array.isArray(g) ? g : (g.items ?? []))).catch(() => setGpus([]));
    api.get<Record<string, unknown>>('/api/system/info').then(setInfo).catch(() => setInfo({}));
  }, []);

  const running = (tasks ?? []).filter((t) => t.status === 'running');
  useTaskEvents(running.map((t) => t.id), (id) => void loadTask(id).catch(() => undefined));

  return (
    <div>
      <h1>Dashboard</h1>
      <ErrorBanner error={error} />
      <div className="card">
        <h2>Running tasks</h2>
        {tasks === null ? (
          <Loading />
        ) : running.length === 0 ? (
          <Empty>
            No task is running. <a href="#/tasks">Start one from Tasks</a> or <a href="#/tasks/new">create a task</a>.
          </Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Task</th>
                  <th>Status</th>
                  <th>Progress</th>
                  <th>Best</th>
                  <th className="hide-narrow">Running for</th>
                </tr>
              </thead>
              <tbody>
                {running.map((t) => {
                  const list = exps[t.id] ?? [];
                  const done = list.filter((e) => ['success', 'failed', 'cancelled'].includes(e.status)).length;
                  return (
                    <tr key={t.id} data-testid={`running-task-${t.id}`}>
                      <td>
                        <a href={`#/tasks/${t.id}`}>{t.name}</a>
                      </td>
                      <td>
                        <TaskStatusBadge task={t} />
                      </td>
                      <td style={{ minWidth: 160 }}>
                        <ProgressBar done={done} total={t.summary?.max_iterations ?? list.length} />
                      </td>
                      <td>{t.summary?.best_objective ? fmtObjective(t.summary.best_objective) : fmtNumber(t.summary?.best_score)}</td>
                      <td className="hide-narrow">{fmtDuration(t.started_at ? Date.now() / 1000 - t.started_at : null)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </div>
      <div className="card">
        <h2>Experiment timeline (last 24 h)</h2>
        <Timeline tasks={tasks ?? []} exps={exps} />
      </div>
      <div className="grid">
        <div className="card">
          <h2>GPUs</h2>
          {gpus === null ? (
            <Loading />
          ) : gpus.length === 0 ? (
            <Empty>No GPU reported (simulated runtimes need none).</Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>#</th>
                    <th>Name</th>
                    <th>Memory</th>
                    <th>Util.</th>
                    <th>In use by</th>
                  </tr>
                </thead>
                <tbody>
                  {gpus.map((g) => (
                    <tr key={g.index}>
                      <td>{g.index}</td>
                      <td>{g.name ?? '—'}</td>
                      <td>
                        {g.memory_used_mb != null ? `${fmtNumber(g.memory_used_mb)} / ` : ''}
                        {fmtNumber(g.memory_total_mb)} MB
                      </td>
                      <td>{g.utilization != null ? `${fmtNumber(g.utilization)}%` : '—'}</td>
                      <td>{g.busy ? <a href={`#/tasks/${g.busy.task_id}`}>task {g.busy.task_id} / #{g.busy.experiment_id}</a> : 'free'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
        <div className="card">
          <h2>System</h2>
          {info === null ? (
            <Loading />
          ) : Object.keys(info).length === 0 ? (
            <Empty>No system information.</Empty>
          ) : (
            <dl className="kv">
              {Object.entries(info)
                .filter(([k]) => k !== 'task_defaults')
                .map(([k, v]) => (
                  <div key={k} style={{ display: 'contents' }}>
                    <dt>{k}</dt>
                    <dd>{typeof v === 'object' ? JSON.stringify(v) : fmtValue(v)}</dd>
                  </div>
                ))}
            </dl>
          )}
        </div>
      </div>
    </div>
  );
}

function Timeline({ tasks, exps }: { tasks: Task[]; exps: Record<number, Experiment[]> }) {
  const now = Date.now() / 1000;
  const rows: { task: Task; e: Experiment; start: number; end: number }[] = [];
  for (const t of tasks) {
    for (const e of exps[t.id] ?? []) {
      const ts = (e.transitions ?? []).map((x) => x.at);
      const start = ts.length ? Math.min(...ts) : e.created_at;
      const final = ['success', 'failed', 'cancelled', 'pruned'].includes(e.status);
      const end = final && ts.length ? Math.max(...ts) : now;
      if (end < now - DAY) continue;
      rows.push({ task: t, e, start, end });
    }
  }
  if (!rows.length) return <Empty>No experiment in the last 24 hours.</Empty>;
  const t0 = Math.max(now - DAY, Math.min(...rows.map((r) => r.start)));
  const span = Math.max(1, now - t0);
  rows.sort((a, b) => a.start - b.start);
  return (
    <div className="gantt" data-testid="timeline">
      <div className="muted small">
        {new Date(t0 * 1000).toLocaleTimeString()} → now ({fmtDuration(span)})
      </div>
      {rows.slice(-60).map(({ task, e, start, end }) => (
        <div className="gantt-row" key={e.id}>
          <div className="gantt-label" title={`${task.name} #${e.experiment_id}`}>
            #{e.experiment_id} {task.name}
          </div>
          <div className="gantt-track">
            <a
              className="gantt-bar"
              href={`#/tasks/${task.id}/logs?exp=${e.experiment_id}`}
              style={{
                left: `${(100 * (Math.max(start, t0) - t0)) / span}%`,
                width: `${Math.max(0.4, (100 * (end - Math.max(start, t0))) / span)}%`,
                background: STATUS_COLORS[e.status] ?? '#999',
              }}
              title={`${task.name} #${e.experiment_id}: ${e.status}\nduration ${fmtDuration(end - start)}\nscore ${fmtNumber(e.score)}`}
            />
          </div>
        </div>
      ))}
    </div>
  );
}
