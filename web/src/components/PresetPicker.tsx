import { useEffect, useState } from 'react';
import { api } from '../lib/api';
import type { Page, ParamPreset } from '../lib/types';
import type { ParamRow } from '../lib/taskForm';
import { applyPreset, type MergeNote, type PresetStrategy } from '../lib/presetApply';

/** Pick a parameter preset and merge its parameters into the form's; the notes say what changed how. */
export function PresetPicker({ rows, onApply }: { rows: ParamRow[]; onApply: (rows: ParamRow[]) => void }) {
  const [presets, setPresets] = useState<ParamPreset[]>([]);
  const [chosen, setChosen] = useState('');
  const [strategy, setStrategy] = useState<PresetStrategy>('union');
  const [notes, setNotes] = useState<{ preset: string; notes: MergeNote[] } | null>(null);
  useEffect(() => {
    api
      .get<Page<ParamPreset>>('/api/presets')
      .then((p) => setPresets(p.items ?? []))
      .catch(() => setPresets([]));
  }, []);
  if (!presets.length) return null;
  const preset = presets.find((p) => String(p.id) === chosen);
  const apply = () => {
    if (!preset) return;
    const merged = applyPreset(rows, preset.parameters ?? {}, strategy);
    onApply(merged.rows);
    setNotes({ preset: preset.name, notes: merged.notes });
  };
  return (
    <div className="preset-picker" data-testid="preset-picker">
      <div className="row">
        <label className="inline">
          Preset
          <select aria-label="parameter preset" value={chosen} onChange={(e) => setChosen(e.target.value)}>
            <option value="">choose…</option>
            {presets.map((p) => (
              <option key={p.id} value={p.id} title={p.description}>
                {p.name}
                {p.builtin ? ' (shipped)' : ''}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          Merge
          <select aria-label="preset merge" value={strategy} onChange={(e) => setStrategy(e.target.value as PresetStrategy)}>
            <option value="union">add its values to mine</option>
            <option value="preset">its values replace mine</option>
          </select>
        </label>
        <button type="button" disabled={!preset} onClick={apply}>
          Apply preset
        </button>
      </div>
      {notes && (
        <div className="merge-summary" data-testid="preset-merge-notes">
          <span className="muted small">Applied {notes.preset}:</span>
          <ul>
            {notes.notes.map((n) => (
              <li key={n.name} className={n.action} data-action={n.action}>
                <b>{n.name}</b> {n.action}
                {n.action === 'added' ? `: ${n.after}` : n.action === 'unchanged' ? ` (${n.after})` : `: ${n.before} → ${n.after}`}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
