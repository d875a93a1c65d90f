/** The scatter's X/Y selection, persisted in localStorage (shared across tasks). */
export const AXES_STORAGE_KEY = 'autotuner.scatter.axes';
export const DEFAULT_AXES = { x: 'mean_output_throughput_tokens_per_s', y: 'e2e_latency_mean' };

export interface Axes {
  x: string;
  y: string;
}

export function loadAxes(storage: Pick<Storage, 'getItem'> | null = safeStorage()): Axes {
  try {
    const raw = storage?.getItem(AXES_STORAGE_KEY);
    if (!raw) return { ...DEFAULT_AXES };
    const parsed = JSON.parse(raw) as Partial<Axes>;
    return {
      x: typeof parsed.x === 'string' && parsed.x ? parsed.x : DEFAULT_AXES.x,
      y: typeof parsed.y === 'string' && parsed.y ? parsed.y : DEFAULT_AXES.y,
    };
  } catch {
    return { ...DEFAULT_AXES };
  }
}

export function saveAxes(axes: Axes, storage: Pick<Storage, 'setItem'> | null = safeStorage()): void {
  try {
    storage?.setItem(AXES_STORAGE_KEY, JSON.stringify(axes));
  } catch {
    /* storage full or disabled: the selection just isn't kept */
  }
}

/** The stored axis when the data has it, else the first available option. */
export function resolveAxis(wanted: string, options: string[], fallbackIndex: number): string {
  if (options.includes(wanted)) return wanted;
  return options[Math.min(fallbackIndex, options.length - 1)] ?? wanted;
}

function safeStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}
