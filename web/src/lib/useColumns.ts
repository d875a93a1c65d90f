import { useMemo, useState } from 'react';
import type { Experiment } from './types';
import { columnOptions, hiddenColumnIds, isShown, loadColumnOverrides, saveColumnOverrides, toggleColumn, type ColumnOption, type ColumnOverrides } from './columns';

export interface ColumnChoice {
  options: ColumnOption[];
  /** Parameter and metric keys to show, in table order. */
  params: string[];
  metrics: string[];
  /** Column ids the user hid on purpose. */
  hidden: Set<string>;
  isShown: (option: ColumnOption) => boolean;
  toggle: (option: ColumnOption) => void;
  reset: () => void;
}

/** The experiments table's column choice for one task, kept in localStorage under `autotuner.columns.<taskId>`. */
export function useColumns(taskId: number, experiments: Experiment[]): ColumnChoice {
  const [state, setState] = useState(() => ({ taskId, overrides: loadColumnOverrides(taskId) }));
  // Another task: its own choice (never the previous task's).
  const current = state.taskId === taskId ? state : { taskId, overrides: loadColumnOverrides(taskId) };
  if (current !== state) setState(current);
  const options = useMemo(() => columnOptions(experiments), [experiments]);
  const update = (overrides: ColumnOverrides) => {
    saveColumnOverrides(taskId, overrides);
    setState({ taskId, overrides });
  };
  const shown = options.filter((o) => isShown(o, current.overrides));
  return {
    options,
    params: shown.filter((o) => o.kind === 'param').map((o) => o.key),
    metrics: shown.filter((o) => o.kind === 'metric').map((o) => o.key),
    hidden: hiddenColumnIds(current.overrides),
    isShown: (o) => isShown(o, current.overrides),
    toggle: (o) => update(toggleColumn(o, current.overrides)),
    reset: () => update({}),
  };
}
