import type { Json } from './types';

export function fmtValue(v: Json | unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return fmtNumber(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return JSON.stringify(v);
}

export function fmtNumber(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  if (Number.isInteger(v)) return String(v);
  const abs = Math.abs(v);
  if (abs >= 1000) return v.toFixed(1);
  return String(Number(v.toPrecision(digits)));
}

export function fmtTime(epochSeconds: number | null | undefined): string {
  if (!epochSeconds) return '—';
  const d = new Date(epochSeconds * 1000);
  return d.toLocaleString();
}

export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export const STATUS_COLORS: Record<string, string> = {
  pending: '#9ca3af',
  deploying: '#f59e0b',
  benchmarking: '#3b82f6',
  running: '#3b82f6',
  success: '#16a34a',
  completed: '#16a34a',
  failed: '#dc2626',
  cancelled: '#6b7280',
  pruned: '#a855f7',
};

/** The value at `path` inside nested objects (arrays are not walked), undefined where any step is missing. */
export function valueAt(obj: unknown, path: string[]): unknown {
  return path.reduce<unknown>((o, k) => (o && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>)[k] : undefined), obj);
}
