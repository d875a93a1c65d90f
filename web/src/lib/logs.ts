import type { LogLine } from './types';

export const LEVELS = ['debug', 'info', 'warning', 'error'] as const;
export type Level = (typeof LEVELS)[number];

export function levelRank(level: string): number {
  const l = level.toLowerCase();
  if (l === 'warn') return 2;
  if (l === 'critical' || l === 'fatal' || l === 'err') return 3;
  if (l === 'trace') return 0;
  const i = LEVELS.indexOf(l as Level);
  return i < 0 ? 1 : i;
}

/** Lines at or above `minLevel` whose text contains `text` (case-insensitive). */
export function filterLogs(lines: LogLine[], text: string, minLevel: string): LogLine[] {
  const needle = text.trim().toLowerCase();
  const min = minLevel ? levelRank(minLevel) : 0;
  return lines.filter(
    (l) => levelRank(l.level) >= min && (!needle || l.line.toLowerCase().includes(needle)),
  );
}

/** Merge new lines into a log kept sorted by log_id, without duplicates (SSE resumes may repeat lines). */
export function mergeLogs(existing: LogLine[], incoming: LogLine[], cap = 20000): LogLine[] {
  if (!incoming.length) return existing;
  const last = existing.length ? existing[existing.length - 1].log_id : -Infinity;
  let merged: LogLine[];
  if (incoming.every((l) => l.log_id > last) && isSorted(incoming)) {
    merged = existing.concat(incoming);
  } else {
    const byId = new Map<number, LogLine>();
    for (const l of existing) byId.set(l.log_id, l);
    for (const l of incoming) byId.set(l.log_id, l);
    merged = [...byId.values()].sort((a, b) => a.log_id - b.log_id);
  }
  return merged.length > cap ? merged.slice(merged.length - cap) : merged;
}

function isSorted(lines: LogLine[]): boolean {
  for (let i = 1; i < lines.length; i++) if (lines[i].log_id <= lines[i - 1].log_id) return false;
  return true;
}

/**
 * Every line of a paged JSON log (`?after=<log_id>&limit=<n>`, oldest first): asks `fetchPage(after)` until a
 * page comes back shorter than `limit`, so an early experiment of a long study is read whole.
 */
export async function readAllPages(fetchPage: (after: number) => Promise<LogLine[]>, limit: number, maxPages = 10000): Promise<LogLine[]> {
  const out: LogLine[] = [];
  let after = 0;
  for (let page = 0; page < maxPages; page++) {
    const items = await fetchPage(after);
    out.push(...items);
    if (items.length < limit) break;
    after = items[items.length - 1].log_id;
  }
  return out;
}

/** The lines experiment `n` owns: its `experiment_id` (the number within the task, docs/api.md), never the text. */
export function ownLines(lines: LogLine[], n: number): LogLine[] {
  return lines.filter((l) => l.experiment_id === n);
}

/** A log as text for a download: "2025-11-25T15:15:23.100Z INFO    [Experiment 2] Status: DEPLOYING". */
export function logText(lines: LogLine[]): string {
  return lines.map((l) => `${new Date(l.at * 1000).toISOString()} ${l.level.toUpperCase().padEnd(7)} ${l.line}\n`).join('');
}
