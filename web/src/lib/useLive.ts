import { useEffect, useRef } from 'react';
import { events } from './events';

/**
 * Calls `onChange(taskId)` (debounced) whenever a non-log event arrives for one of the given tasks (log lines
 * too with `includeLogs`), from the tab's shared `/api/events` hub. List pages refresh the changed rows so,
 * instead of polling; a resync (events missed) refreshes every row.
 */
export function useTaskEvents(taskIds: number[], onChange: (taskId: number) => void, includeLogs = false): void {
  const cb = useRef(onChange);
  cb.current = onChange;
  const key = [...new Set(taskIds)].sort((a, b) => a - b).join(',');
  useEffect(() => {
    if (!key) return;
    const timers = new Map<number, ReturnType<typeof setTimeout>>();
    const fire = (id: number) => {
      if (timers.has(id)) return;
      timers.set(
        id,
        setTimeout(() => {
          timers.delete(id);
          cb.current(id);
        }, 300),
      );
    };
    const unsubscribes = key
      .split(',')
      .map(Number)
      .map((id) =>
        events().subscribe(
          { taskId: id, logs: includeLogs },
          { event: () => fire(id), resync: () => fire(id), connection: () => undefined },
        ),
      );
    return () => {
      unsubscribes.forEach((u) => u());
      timers.forEach((t) => clearTimeout(t));
    };
  }, [key, includeLogs]);
}
