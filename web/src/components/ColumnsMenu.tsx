import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { ColumnOption } from '../lib/columns';
import type { ColumnChoice } from '../lib/useColumns';

function OptionList({ legend, options, choice }: { legend: string; options: ColumnOption[]; choice: ColumnChoice }) {
  if (!options.length) return null;
  return (
    <fieldset>
      <legend>{legend}</legend>
      {options.map((o) => (
        <label key={o.id} className="inline">
          <input type="checkbox" checked={choice.isShown(o)} onChange={() => choice.toggle(o)} data-column={o.id} />
          {o.key}
        </label>
      ))}
    </fieldset>
  );
}

/** "Columns": a button opening a checkbox list of the parameter and metric columns, with Reset. Escape closes it. */
export function ColumnsMenu({ choice }: { choice: ColumnChoice }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    panel.current?.querySelector('input')?.focus();
    const outside = (e: MouseEvent) => {
      const t = e.target as Node;
      if (!panel.current?.contains(t) && !button.current?.contains(t)) setOpen(false);
    };
    document.addEventListener('mousedown', outside);
    return () => document.removeEventListener('mousedown', outside);
  }, [open]);
  const close = () => {
    setOpen(false);
    button.current?.focus();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') close();
  };
  return (
    <div className="columns-menu">
      <button ref={button} aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)} title="choose the parameter and metric columns">
        Columns
      </button>
      {open && (
        <div ref={panel} id={id} className="columns-panel" role="group" aria-label="Choose columns" onKeyDown={onKeyDown}>
          <OptionList legend="Parameters" options={choice.options.filter((o) => o.kind === 'param')} choice={choice} />
          <OptionList legend="Metrics" options={choice.options.filter((o) => o.kind === 'metric')} choice={choice} />
          <div className="actions">
            <button onClick={choice.reset} title="the default columns">
              Reset
            </button>
            <button onClick={close}>Close</button>
          </div>
        </div>
      )}
    </div>
  );
}
