import { useEffect, useMemo, useState } from 'react';
import { api } from '../lib/api';
import type { Experiment, Page, Task } from '../lib/types';
import { fmtNumber, fmtTime, fmtValue } from '../lib/format';
import { CompareButton, CompareCheck, Empty, ErrorBanner, Loading, StatusBadge } from '../components/common';
import { fmtObjective } from '../lib/objective';

const STATUSES = ['pending', 'deploying', 'benchmarking', 'success', 'failed', 'cancelled', 'pruned'];

export default function Experiments() {
  const [rows, setRows] = useState<{ task: Task; e: Experiment }[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const [text, setText] = useState('');
  const [chosen, setChosen] = useState<number[]>([]);

  useEffect(() => {
    (async () => {
      try {
        const tasks = (await api.get<Page<Task>>('/api/tasks?limit=50&sort=created_at&order=desc')).items ?? [];
        const all = await Promise.all(
          tasks.map((t) =>
            api
              .get<Page<Experiment>>(`/api/tasks/${t.id}/experiments`)
              .then((p) => (p.items ?? []).map((e) => ({ task: t, e })))
              .catch(() => []),
          ),
        );
        setRows(all.flat().sort((a, b) => b.e.created_at - a.e.created_at));
      } catch (e) {
        setError(e);
        setRows([]);
      }
    })();
  }, []);

  const shown = useMemo(() => {
    const needle = text.trim().toLowerCase();
    return (rows ?? []).filter(
      ({ task, e }) =>
        (!status || e.status === status) &&
        (!needle || task.name.toLowerCase().includes(needle) || JSON.stringify(e.parameters).toLowerCase().includes(needle) || e.error_class.includes(needle)),
    );
  }, [rows, status, text]);

  return (
    <div>
      <div className="row">
        <h1>Experiments</h1>
        <span className="spacer" />
        <input placeholder="filter (task, parameter, error)" value={text} onChange={(e) => setText(e.target.value)} aria-label="filter" />
        <select value={status} onChange={(e) => setStatus(e.target.value)} aria-label="status filter">
          <option value="">all statuses</option>
          {STATUSES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <CompareButton kind="exp" selected={chosen} label="Compare selected" />
      </div>
      <ErrorBanner error={error} />
      <div className="card">
        {rows === null ? (
          <Loading />
        ) : shown.length === 0 ? (
          <Empty>No experiment{rows.length ? ' matches' : ' yet'}.</Empty>
        ) : (
          <div className="table-wrap">
            <table data-testid="all-experiments">
              <thead>
                <tr>
                  <th title="choose two to compare side by side">⇄</th>
                  <th>Task</th>
                  <th>#</th>
                  <th>Status</th>
                  <th>Parameters</th>
                  <th>Score</th>
                  <th>Latency</th>
                  <th>Throughput</th>
                  <th className="hide-narrow">Created</th>
                  <th>Log</th>
                </tr>
              </thead>
              <tbody>
                {shown.slice(0, 500).map(({ task, e }) => (
                  <tr key={e.id}>
                    <td>
                      <CompareCheck id={e.id} selected={chosen} onChange={setChosen} label={`${task.name} #${e.experiment_id}`} />
                    </td>
                    <td>
                      <a href={`#/tasks/${task.id}`}>{task.name}</a>
                    </td>
                    <td>{e.experiment_id}</td>
                    <td>
                      <StatusBadge status={e.status} />
                    </td>
                    <td className="small" style={{ whiteSpace: 'normal' }}>
                      {Object.entries(e.parameters ?? {})
                        .map(([k, v]) => `${k}=${fmtValue(v)}`)
                        .join(' ')}
                    </td>
                    <td title={`score ${fmtNumber(e.score)}`}>{e.objective ? fmtObjective(e.objective) : fmtNumber(e.score)}</td>
                    <td>{fmtNumber(e.metrics?.mean_e2e_latency as number)}</td>
                    <td>{fmtNumber(e.metrics?.mean_output_throughput as number)}</td>
                    <td className="hide-narrow">{fmtTime(e.created_at)}</td>
                    <td>
                      <a href={`#/tasks/${task.id}/logs?exp=${e.experiment_id}`}>log</a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </div>
  );
}
