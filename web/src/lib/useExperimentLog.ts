import { useEffect, useMemo, useState } from 'react';
import { api } from './api';
import type { Experiment, LogLine, Page } from './types';
import { mergeLogs, ownLines, readAllPages } from './logs';
import { FINAL_EXPERIMENT_STATUSES } from './types';

const PAGE = 2000;

/**
 * One experiment's whole log: its stored lines from GET /api/experiments/{id}/logs (paged until a short page,
 * read again once it finishes), merged with the lines the task's event stream brings while it runs.
 */
export function useExperimentLog(exp: Experiment | undefined, live: LogLine[]) {
  // Kept with the experiment they belong to, so another experiment's lines never show while its own load.
  const [stored, setStored] = useState<{ id: number; lines: LogLine[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const id = exp?.id;
  const final = !!exp && FINAL_EXPERIMENT_STATUSES.includes(exp.status);

  useEffect(() => {
    if (id == null) return;
    let live = true;
    readAllPages((after) => api.get<Page<LogLine>>(`/api/experiments/${id}/logs?after=${after}&limit=${PAGE}`).then((p) => p.items ?? []), PAGE)
      .then((lines) => {
        if (!live) return;
        setStored({ id, lines });
        setError(null);
      })
      .catch((e) => live && setError(e));
    return () => {
      live = false;
    };
  }, [id, final]);

  const n = exp?.experiment_id;
  const mine = stored && stored.id === id ? stored.lines : null;
  const lines = useMemo(() => (n == null ? [] : mergeLogs(mine ?? [], ownLines(live, n), Infinity)), [mine, live, n]);
  return { lines, loaded: mine != null, error };
}
