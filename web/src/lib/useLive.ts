import { useEffect, useRef } from 'react';
import { EVENT_TYPES } from './taskStream';

/**
 * Calls `onChange(taskId)` (debounced) whenever a non-log event arrives on any of the given tasks' SSE streams.
 * Used by list pages to refresh the rows that changed, instead of polling.
 */
export function useTaskEvents(taskIds: number[], onChange: (taskId: number) => void, includeLogs = false): void {
  const cb = useRef(onChange);
  cb.current = onChange;
  const key = [...new Set(taskIds)].sort((a, b) => a - b).join(',');
  useEffect(() => {
    if (!key || typeof EventSource === 'undefined') return;
    const sources: EventSource[] = [];
    const timers = new Map<number, ReturnType<typeof setTimeout>>();
    for (const id of key.split(',').map(Number)) {
      const es = new EventSource(`/api/tasks/${id}/events`, { withCredentials: true });
      sources.push(es);
      const fire = () => {
        if (timers.has(id)) return;
        timers.set(
          id,
          setTimeout(() => {
            timers.delete(id);
            cb.current(id);
          }, 300),
        );
      };
      for (const t of EVENT_TYPES) if (includeLogs || t !== 'log') es.addEventListener(t, fire);
    }
    return () => {
      sources.forEach((s) => s.close());
      timers.forEach((t) => clearTimeout(t));
    };
  }, [key, includeLogs]);
}
