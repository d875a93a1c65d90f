import type { Experiment } from './types';

/** "#3", "#0 baseline", "#5 ✓2" (a re-measurement of experiment #2), "⭐" on the best. */
export function experimentLabel(e: Experiment, best: Experiment | null): string {
  const kind = e.kind === 'baseline' ? ' baseline' : e.kind === 'confirm' ? ` ✓${e.confirms ?? ''}` : '';
  return `#${e.experiment_id}${kind}${best?.id === e.id ? ' ⭐' : ''}`;
}
