import { useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../lib/api';
import type { Experiment, LogLine } from '../lib/types';
import { useTaskStream } from '../lib/useTaskStream';
import { useExperimentLog } from '../lib/useExperimentLog';
import { download } from '../lib/analysis';
import { filterLogs, LEVELS, logText } from '../lib/logs';
import { navigate } from '../router';
import { ErrorBanner, Loading, StatusBadge } from '../components/common';

export default function Logs({ taskId, experiment }: { taskId: number; experiment: number | null }) {
  // One experiment's log comes from its own paged endpoint; only the whole task needs the task log's history.
  const { task, experiments, logs, connected, error } = useTaskStream(taskId, { withLogs: experiment == null, liveLogs: true });
  const [text, setText] = useState('');
  const [level, setLevel] = useState('');
  const [paused, setPaused] = useState(false);
  const [frozen, setFrozen] = useState<LogLine[] | null>(null);
  const [autoScroll, setAutoScroll] = useState(true);
  const [engineLog, setEngineLog] = useState<string | null>(null);
  const box = useRef<HTMLDivElement>(null);

  const source = paused && frozen ? frozen : logs;
  const exp: Experiment | undefined = experiments.find((e) => e.experiment_id === experiment);
  const experimentLog = useExperimentLog(exp, source);
  const scoped = experiment != null ? experimentLog.lines : source;
  const shown = useMemo(() => filterLogs(scoped, text, level), [scoped, text, level]);
  const logName = `${task?.name ?? `task-${taskId}`}${experiment != null ? `-experiment-${experiment}` : ''}`;
  const loadEngineLog = async (): Promise<string> => {
    const full = await api.get<Experiment>(`/api/experiments/${exp!.id}?logs=true`);
    return full.engine_log ?? '';
  };

  useEffect(() => {
    if (autoScroll && !paused && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [shown.length, autoScroll, paused]);
  useEffect(() => setEngineLog(null), [experiment]);

  if (error && !task) return <ErrorBanner error={error} />;
  if (!task) return <Loading />;

  return (
    <div>
      <div className="row">
        <h1>
          Logs · <a href={`#/tasks/${taskId}`}>{task.name}</a>
          {experiment != null ? ` · experiment #${experiment}` : ''}
        </h1>
        <StatusBadge status={task.status} />
        {exp && <StatusBadge status={exp.status} />}
        <span className="muted small">{connected ? '● live' : '○ reconnecting'}</span>
      </div>
      <ErrorBanner error={experiment != null ? experimentLog.error : null} />
      <div className="card">
        <div className="row">
          <label className="inline">
            Experiment
            <select
              aria-label="experiment"
              value={experiment ?? ''}
              onChange={(e) => navigate(`/tasks/${taskId}/logs${e.target.value ? `?exp=${e.target.value}` : ''}`)}
            >
              <option value="">whole task</option>
              {experiments.map((e) => (
                <option key={e.id} value={e.experiment_id}>
                  #{e.experiment_id} ({e.status})
                </option>
              ))}
            </select>
          </label>
          <input placeholder="filter text" value={text} onChange={(e) => setText(e.target.value)} aria-label="filter text" />
          <label className="inline">
            Level ≥
            <select value={level} onChange={(e) => setLevel(e.target.value)} aria-label="level">
              <option value="">all</option>
              {LEVELS.map((l) => (
                <option key={l}>{l}</option>
              ))}
            </select>
          </label>
          <button
            onClick={() => {
              if (paused) {
                setPaused(false);
                setFrozen(null);
              } else {
                setFrozen(logs);
                setPaused(true);
              }
            }}
          >
            {paused ? `Resume (${logs.length - (frozen?.length ?? 0)} new)` : 'Pause'}
          </button>
          <label className="inline">
            <input type="checkbox" checked={autoScroll} onChange={(e) => setAutoScroll(e.target.checked)} /> auto-scroll
          </label>
          <button data-testid="download-log" disabled={!scoped.length} onClick={() => download(`${logName}.log`, logText(scoped), 'text/plain')}>
            Download log
          </button>
          <span className="spacer" />
          <span className="muted small" data-testid="log-count">
            {shown.length} / {scoped.length} lines
          </span>
        </div>
      </div>
      <div
        className="log-view"
        ref={box}
        data-testid="log-view"
        onScroll={(e) => {
          const el = e.currentTarget;
          const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 20;
          if (!atBottom && autoScroll) setAutoScroll(false);
          if (atBottom && !autoScroll) setAutoScroll(true);
        }}
      >
        {shown.length === 0 ? (
          <div className="muted">{experiment != null && exp && !experimentLog.loaded ? 'Loading…' : scoped.length === 0 ? 'No log line yet.' : 'No line matches.'}</div>
        ) : (
          shown.map((l) => (
            <div key={l.log_id} className={`log-line lvl-${l.level.toLowerCase()}`} data-experiment={l.experiment_id ?? ''}>
              <span className="lvl">{l.level.toUpperCase().slice(0, 6)}</span>
              <span className="exp hide-narrow">{l.experiment_id != null ? `#${l.experiment_id}` : '  '}</span>
              <span>{l.line}</span>
            </div>
          ))
        )}
      </div>
      {exp && (
        <div className="card" style={{ marginTop: 12 }}>
          <div className="row">
            <h2>Stored engine log of #{exp.experiment_id}</h2>
            <button
              onClick={async () => {
                try {
                  setEngineLog(await loadEngineLog());
                } catch (e) {
                  setEngineLog(`(${(e as Error).message})`);
                }
              }}
            >
              Load
            </button>
            <button
              data-testid="download-engine-log"
              onClick={async () => {
                try {
                  download(`${logName}-engine.log`, engineLog ?? (await loadEngineLog()), 'text/plain');
                } catch (e) {
                  setEngineLog(`(${(e as Error).message})`);
                }
              }}
            >
              Download engine log
            </button>
          </div>
          {engineLog != null && <pre className="log-view" style={{ height: 'auto', maxHeight: '40vh' }}>{engineLog || '(empty)'}</pre>}
        </div>
      )}
    </div>
  );
}
