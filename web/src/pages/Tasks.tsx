import { useCallback, useEffect, useState } from 'react';
import { api } from '../lib/api';
import type { Page, Task } from '../lib/types';
import { TASK_STATUSES } from '../lib/types';
import { download } from '../lib/analysis';
import { fmtTime } from '../lib/format';
import { filterTasksByName, taskColumns } from '../lib/taskList';
import { useTaskEvents } from '../lib/useLive';
import { navigate } from '../router';
import { CompareButton, CompareCheck, Empty, ErrorBanner, Loading, SummaryStrip, TaskStatusBadge } from '../components/common';

export default function Tasks() {
  const [status, setStatus] = useState('');
  const [tasks, setTasks] = useState<Task[] | null>(null);
  const [query, setQuery] = useState('');
  const [chosen, setChosen] = useState<number[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<number | null>(null);

  const load = useCallback(async () => {
    try {
      const q = status ? `&status=${status}` : '';
      const page = await api.get<Page<Task>>(`/api/tasks?limit=500&sort=created_at&order=desc${q}`);
      setTasks(page.items ?? []);
    } catch (e) {
      setError(e);
    }
  }, [status]);
  useEffect(() => void load(), [load]);

  // Live rows refresh from their own task summary: no /experiments request per row.
  const refreshTask = useCallback(async (id: number) => {
    try {
      const t = await api.get<Task>(`/api/tasks/${id}`);
      setTasks((prev) => prev?.map((x) => (x.id === id ? t : x)) ?? prev);
    } catch {
      /* the next event tries again */
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

  const shown = filterTasksByName(tasks ?? [], query);
  return (
    <div>
      <div className="row">
        <h1>Tasks</h1>
        <span className="spacer" />
        <input type="search" placeholder="search by name" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="search by name" />
        <label className="inline">
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value)} aria-label="status filter">
            <option value="">all</option>
            {TASK_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <CompareButton kind="tasks" selected={chosen} label="Compare best" />
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
        ) : shown.length === 0 ? (
          <Empty>No task name matches “{query}”.</Empty>
        ) : (
          <div className="table-wrap">
            <table data-testid="tasks-table">
              <thead>
                <tr>
                  <th title="choose two tasks to compare their best configurations">⇄</th>
                  <th>Name</th>
                  <th>Status</th>
                  <th className="hide-narrow">Runtime</th>
                  <th className="hide-narrow">Model</th>
                  <th className="hide-narrow">Objective</th>
                  <th>Experiments</th>
                  <th>Best</th>
                  <th className="hide-narrow">Created</th>
                  <th>Actions</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((t) => {
                  const running = t.status === 'running';
                  const cols = taskColumns(t);
                  return (
                    <tr key={t.id} data-testid={`task-row-${t.name}`}>
                      <td>
                        <CompareCheck id={t.id} selected={chosen} onChange={setChosen} label={t.name} />
                      </td>
                      <td>
                        <a href={`#/tasks/${t.id}`}>{t.name}</a>
                        {t.description && <div className="muted small">{t.description.slice(0, 60)}</div>}
                      </td>
                      <td>
                        <TaskStatusBadge task={t} />
                      </td>
                      <td className="hide-narrow" data-testid="task-runtime">{cols.runtime}</td>
                      <td className="hide-narrow small" data-testid="task-model" style={{ whiteSpace: 'normal', maxWidth: 220 }}>
                        {cols.model}
                      </td>
                      <td className="hide-narrow small" data-testid="task-objective">{cols.objective}</td>
                      <td style={{ minWidth: 120 }}>
                        <SummaryStrip summary={t.summary} />
                      </td>
                      <td data-testid="task-best">{cols.best}</td>
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
