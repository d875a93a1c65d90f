import { useEffect, useReducer, useRef } from 'react';
import { api } from './api';
import type { Experiment, LogLine, Page, Task } from './types';
import { backoff, EVENT_TYPES, initialTaskStream, parseEvent, taskStreamReducer } from './taskStream';

const LOG_PAGE = 5000;

export interface StreamOptions {
  /** Also load the task log's history (the Logs page). */
  withLogs?: boolean;
}

/**
 * Snapshot of a task + live SSE updates from /api/tasks/{id}/events. No polling: EventSource resumes by itself
 * with Last-Event-ID; when the browser gives up (stream closed), we reopen with ?since=<last id> after a backoff.
 */
export function useTaskStream(taskId: number | null, opts: StreamOptions = {}) {
  const [state, dispatch] = useReducer(taskStreamReducer, initialTaskStream);
  const lastId = useRef<number | null>(null);
  lastId.current = state.lastEventId;
  const errorRef = useRef<Error | null>(null);
  const [, force] = useReducer((x: number) => x + 1, 0);

  useEffect(() => {
    if (taskId == null) return;
    let cancelled = false;
    let source: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let attempt = 0;
    dispatch({ type: 'reset' });
    lastId.current = null;

    const loadSnapshot = async () => {
      try {
        const [task, exps] = await Promise.all([
          api.get<Task>(`/api/tasks/${taskId}`),
          api.get<Page<Experiment>>(`/api/tasks/${taskId}/experiments`),
        ]);
        if (!cancelled) {
          errorRef.current = null;
          dispatch({ type: 'snapshot', task, experiments: exps.items ?? [] });
        }
      } catch (e) {
        if (!cancelled) {
          errorRef.current = e as Error;
          force();
        }
      }
      if (opts.withLogs) {
        try {
          // The JSON log comes in pages (`after` = last log_id seen).
          let after = 0;
          for (let page = 0; page < 100 && !cancelled; page++) {
            const logs = await api.get<Page<LogLine>>(`/api/tasks/${taskId}/logs?after=${after}&limit=${LOG_PAGE}`);
            const items = logs.items ?? [];
            if (items.length) dispatch({ type: 'logs', lines: items });
            if (items.length < LOG_PAGE) break;
            after = items[items.length - 1].log_id;
          }
        } catch {
          /* the stream still brings new lines */
        }
      }
    };

    const open = () => {
      if (cancelled || typeof EventSource === 'undefined') return;
      const since = lastId.current != null ? `?since=${lastId.current}` : '';
      const es = new EventSource(`/api/tasks/${taskId}/events${since}`, { withCredentials: true });
      source = es;
      let wasOpen = false;
      es.onopen = () => {
        if (wasOpen || attempt > 0) void loadSnapshot(); // after a gap, refresh once
        wasOpen = true;
        attempt = 0;
        dispatch({ type: 'connection', connected: true });
      };
      es.onerror = () => {
        dispatch({ type: 'connection', connected: false });
        if (es.readyState === EventSource.CLOSED) {
          es.close();
          timer = setTimeout(open, backoff(attempt++));
        }
      };
      // The server dropped events this client had not read: reload the snapshot.
      es.addEventListener('resync', () => void loadSnapshot());
      for (const type of EVENT_TYPES) {
        es.addEventListener(type, (msg) => {
          const m = msg as MessageEvent<string>;
          const ev = parseEvent(type, m.data, m.lastEventId);
          if (ev) dispatch({ type: 'event', event: ev });
        });
      }
    };

    open();
    void loadSnapshot();
    return () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
      source?.close();
    };
  }, [taskId, opts.withLogs]);

  return { ...state, error: errorRef.current, dispatch };
}
