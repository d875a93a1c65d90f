import { useCallback, useEffect, useState } from 'react';
import { api } from '../lib/api';
import type { Experiment, Page, Task } from '../lib/types';
import { TASK_STATUSES } from '../lib/types';
import { download } from '../lib/analysis';
import { fmtNumber, fmtTime } from '../lib/format';
import { useTaskEvents } from '../lib/useLive';
import { navigate } from '../router';
import { Empty, ErrorBanner, Loading, ProgressStrip, TaskStatusBadge } from '../components/common';
import { fmtObjective } from '../lib/objective';

export default function Tasks() {
  const [status, setStatus] = useState('');
  const [tasks, setTasks] = useState<Task[] | null>(null);
  const [exps, setExps] = useState<Record<number, Experiment[]>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<number | null>(null);

  const load = useCallback(async () => {
    try {
      const q = status ? `&status=${status}` : '';
      const page = await api.get<Page<Task>>(`/api/tasks?limit=100&sort=created_at&order=desc${q}`);
      const items = page.items ?? [];
      setTasks(items);
      const all = await Promise.all(
        items.slice(0, 50).map((t) => api.get<Page<Experiment>>(`/api/tasks/${t.id}/experiments`).then((p) => [t.id, p.items ?? []] as const).catch(() => [t.id, []] as const)),
      );
      setExps(Object.fromEntries(all));
    } catch (e) {
      setError(e);
    }
  }, [status]);
  useEffect(() => void load(), [load]);

  const refreshTask = useCallback(async (id: number) => {
    try {
      const [t, e] = await Promise.all([api.get<Task>(`/api/tasks/${id}`), api.get<Page<Experiment>>(`/api/tasks/${id}/experiments`)]);
      setTasks((prev) => prev?.map((x) => (x.id === id ? t : x)) ?? prev);
      setExps((prev) => ({ ...prev, [id]: e.items ?? [] }));
    } catch {
      /* ignore */
    }
  }, []);
  useTaskEvents((tasks ?? []).filter((t) => t.status === 'running' || t.status === 'pending').map((t) => t.id), refreshTask);

  const act = async (t: Task, action: string) => {
    if (action === 'delete' && !window.confirm(`Delete task ${t.name} and its experiments?`)) return;
    if (action === 'clear' && !window.confirm(`Clear all experiments of ${t.name}?`)) return;
    setBusy(t.id);
    setError(null);
    try {
      if (action === 'delete') {
        await api.del(`/api/tasks/${t.id}`);
        setTasks((prev) => prev?.filter((x) => x.id !== t.id) ?? prev);
      } else if (action === 'restart') {
        // The rerun is a new task; this one keeps its results (open the new task's results).
        const rerun = await api.post<Task>(`/api/tasks/${t.id}/restart`);
        if (rerun?.id) navigate(`/tasks/${rerun.id}`);
      } else {
        await api.post(`/api/tasks/${t.id}/${action}`);
        await refreshTask(t.id);
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  const exportTask = async (t: Task, format: 'yaml' | 'json') => {
    try {
      const text = await api.text(`/api/tasks/${t.id}/export?format=${format}`);
      download(`${t.name}.${format}`, text, format === 'json' ? 'application/json' : 'application/yaml');
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div>
      <div className="row">
        <h1>Tasks</h1>
        <span className="spacer" />
        <label className="inline">
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value)} aria-label="status filter">
            <option value="">all</option>
            {TASK_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <button className="primary" onClick={() => navigate('/tasks/new')}>
          New task
        </button>
      </div>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      <div className="card">
        {tasks === null ? (
          <Loading />
        ) : tasks.length === 0 ? (
          <Empty>
            No task{status ? ` with status ${status}` : ''} yet. <a href="#/tasks/new">Create one</a>.
          </Empty>
        ) : (
          <div className="table-wrap">
            <table data-testid="tasks-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Status</th>
                  <th>Experiments</th>
                  <th>Best</th>
                  <th className="hide-narrow">Created</th>
                  <th>Actions</th>
                </tr>
              </thead>
              <tbody>
                {tasks.map((t) => {
                  const running = t.status === 'running';
                  return (
                    <tr key={t.id} data-testid={`task-row-${t.name}`}>
                      <td>
                        <a href={`#/tasks/${t.id}`}>{t.name}</a>
                        {t.description && <div className="muted small">{t.description.slice(0, 60)}</div>}
                      </td>
                      <td>
                        <TaskStatusBadge task={t} />
                      </td>
                      <td style={{ whiteSpace: 'normal', minWidth: 120 }}>
                        <ProgressStrip taskId={t.id} experiments={exps[t.id] ?? []} />
                      </td>
                      <td>{t.summary?.best_objective ? fmtObjective(t.summary.best_objective) : fmtNumber(t.summary?.best_score)}</td>
                      <td className="hide-narrow">{fmtTime(t.created_at)}</td>
                      <td>
                        <div className="actions">
                          <button disabled={busy === t.id || t.status !== 'pending'} onClick={() => act(t, 'start')}>
                            Start
                          </button>
                          <button disabled={busy === t.id || (!running && t.status !== 'pending')} onClick={() => act(t, 'cancel')}>
                            Cancel
                          </button>
                          <button disabled={busy === t.id || running} onClick={() => act(t, 'restart')}>
                            Restart
                          </button>
                          <button disabled={busy === t.id || running} onClick={() => act(t, 'clear')}>
                            Clear
                          </button>
                          <button disabled={running} onClick={() => navigate(`/tasks/${t.id}/edit`)}>
                            Edit
                          </button>
                          <button onClick={() => navigate(`/tasks/new?from=${t.id}`)}>Duplicate</button>
                          <button onClick={() => navigate(`/tasks/${t.id}/logs`)}>Logs</button>
                          <button onClick={() => exportTask(t, 'yaml')}>YAML</button>
                          <button onClick={() => exportTask(t, 'json')}>JSON</button>
                          <button className="danger" disabled={busy === t.id || running} onClick={() => act(t, 'delete')}>
                            Delete
                          </button>
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </div>
  );
}
