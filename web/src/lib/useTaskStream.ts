import { useEffect, useReducer, useRef } from 'react';
import { api } from './api';
import type { Experiment, LogLine, Page, Task } from './types';
import { events } from './events';
import { initialTaskStream, parseEvent, taskStreamReducer } from './taskStream';

const LOG_PAGE = 5000;

export interface StreamOptions {
  /** Also load the task log's history (the Logs page). */
  withLogs?: boolean;
  /** Receive live log lines (default: as `withLogs`); one experiment's log page wants them without the history. */
  liveLogs?: boolean;
}

/**
 * Snapshot of a task + live updates from the tab's shared `/api/events` hub. No polling: the hub resumes after
 * the last event id when the stream breaks (with a backoff), and asks for a snapshot reload after a gap.
 */
export function useTaskStream(taskId: number | null, opts: StreamOptions = {}) {
  const liveLogs = opts.liveLogs ?? !!opts.withLogs;
  const [state, dispatch] = useReducer(taskStreamReducer, initialTaskStream);
  const errorRef = useRef<Error | null>(null);
  const [, force] = useReducer((x: number) => x + 1, 0);

  useEffect(() => {
    if (taskId == null) return;
    let cancelled = false;
    dispatch({ type: 'reset' });

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

    // One shared /api/events connection (events.ts) instead of a stream per page; this page's task only.
    const unsubscribe = events().subscribe(
      { taskId, logs: liveLogs },
      {
        event: (type, data, id) => {
          const ev = parseEvent(type, data, id);
          if (ev) dispatch({ type: 'event', event: ev });
        },
        // The server dropped events this client had not read, or the stream broke: reload the snapshot.
        resync: () => {
          dispatch({ type: 'resync' });
          void loadSnapshot();
        },
        connection: (connected) => dispatch({ type: 'connection', connected }),
      },
    );
    void loadSnapshot();
    return () => {
      cancelled = true;
      unsubscribe();
    };
  }, [taskId, opts.withLogs, liveLogs]);

  return { ...state, error: errorRef.current, dispatch };
}
