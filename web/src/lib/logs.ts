import type { LogLine } from './types';

const PREFIX = /^\s*\[Experiment (\d+)\]/;
const STATUS = /\[Experiment (\d+)\] Status: ([A-Z_]+)/;
const FINAL = new Set(['SUCCESS', 'FAILED', 'CANCELLED', 'PRUNED']);

/** The experiment a line belongs to: its `experiment_id`, else its `[Experiment N]` prefix, else null. */
export function lineExperiment(line: LogLine): number | null {
  if (line.experiment_id != null) return line.experiment_id;
  const m = PREFIX.exec(line.line);
  return m ? Number(m[1]) : null;
}

/** Status announced by a `[Experiment N] Status: X` line, if it is one. */
export function statusOf(line: LogLine): { experiment: number; status: string } | null {
  const m = STATUS.exec(line.line);
  return m ? { experiment: Number(m[1]), status: m[2] } : null;
}

export interface LogRange {
  experiment: number;
  /** Index of the first line (its `Status: DEPLOYING`, else its first line). */
  start: number;
  /** Index of the final status line, or lines.length - 1 while the experiment is still active. */
  end: number;
  finished: boolean;
}

/** The [start, end] range of every experiment seen in the (log_id ordered) task log. */
export function experimentRanges(lines: LogLine[]): Map<number, LogRange> {
  const ranges = new Map<number, LogRange>();
  lines.forEach((line, i) => {
    const n = lineExperiment(line);
    if (n == null) return;
    const status = statusOf(line);
    let r = ranges.get(n);
    if (!r) {
      r = { experiment: n, start: i, end: lines.length - 1, finished: false };
      ranges.set(n, r);
    }
    if (status && status.experiment === n && status.status === 'DEPLOYING' && !r.finished) {
      r.start = Math.min(r.start, i);
    }
    if (status && status.experiment === n && FINAL.has(status.status)) {
      r.end = i;
      r.finished = true;
    }
  });
  return ranges;
}

/**
 * The whole lifecycle of experiment `n` out of the task log: every line it owns (by `experiment_id` or prefix,
 * engine output included) plus task-level lines (no experiment) between its first line and its final status
 * while no other experiment was active — so parallel experiments never borrow each other's lines.
 */
export function experimentLog(lines: LogLine[], n: number): LogLine[] {
  const ranges = experimentRanges(lines);
  const mine = ranges.get(n);
  if (!mine) return [];
  const others = [...ranges.values()].filter((r) => r.experiment !== n);
  const out: LogLine[] = [];
  for (let i = mine.start; i <= mine.end && i < lines.length; i++) {
    const owner = lineExperiment(lines[i]);
    if (owner === n) out.push(lines[i]);
    else if (owner == null && !others.some((r) => r.start <= i && i <= r.end)) out.push(lines[i]);
  }
  return out;
}

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
 * Log lines must carry the experiment's number within its task (docs/api.md). A server that sends the store's
 * global experiment id instead is recognised from the lines' own `[Experiment N]` prefixes (id X on a line that
 * says N → X means N), and its ids are mapped back to numbers; consistent input is returned unchanged.
 */
export function normaliseExperimentIds(lines: LogLine[]): LogLine[] {
  const map = new Map<number, number>();
  const conflicting = new Set<number>();
  for (const l of lines) {
    if (l.experiment_id == null) continue;
    const m = PREFIX.exec(l.line);
    if (!m) continue;
    const n = Number(m[1]);
    const prev = map.get(l.experiment_id);
    if (prev !== undefined && prev !== n) conflicting.add(l.experiment_id);
    map.set(l.experiment_id, n);
  }
  if ([...map.entries()].every(([x, n]) => x === n) || conflicting.size) return lines;
  return lines.map((l) => (l.experiment_id != null && map.has(l.experiment_id) ? { ...l, experiment_id: map.get(l.experiment_id)! } : l));
}
