import { useCallback, useEffect, useRef, useState } from 'react';
import { api, request } from '../lib/api';
import type { JsonObject, Page, ParamPreset } from '../lib/types';
import { parseTaskText } from '../lib/importTask';
import { download } from '../lib/analysis';
import { fmtValue } from '../lib/format';
import { EMPTY_DRAFT, copyDraft, editDraft, presetRequest, type PresetDraft } from '../lib/presetDraft';
import { Empty, ErrorBanner, Loading } from '../components/common';

const STRATEGIES = ['union', 'intersection', 'last_wins'];

interface RowActions {
  onEdit: (p: ParamPreset) => void;
  onCopy: (p: ParamPreset) => void;
  onExport: (p: ParamPreset) => void;
  onDelete: (p: ParamPreset) => void;
}

/** A shipped preset is read-only (Copy makes an editable one); a user preset is edited in place or deleted. */
function PresetActions({ p, actions }: { p: ParamPreset; actions: RowActions }) {
  return (
    <div className="actions">
      {p.builtin ? (
        <button onClick={() => actions.onCopy(p)} aria-label={`Copy ${p.name}`} title="a new, editable preset with these parameters">
          Copy
        </button>
      ) : (
        <button onClick={() => actions.onEdit(p)} aria-label={`Edit ${p.name}`}>
          Edit
        </button>
      )}
      <button onClick={() => actions.onExport(p)}>Export</button>
      {!p.builtin && (
        <button className="danger" onClick={() => actions.onDelete(p)} aria-label={`Delete ${p.name}`}>
          Delete
        </button>
      )}
    </div>
  );
}

interface TableProps {
  presets: ParamPreset[];
  selected: number[];
  setSelected: (ids: number[]) => void;
  actions: RowActions;
}

function PresetsTable({ presets, selected, setSelected, actions }: TableProps) {
  return (
    <div className="table-wrap">
      <table data-testid="presets-table">
        <thead>
          <tr>
            <th>Merge</th>
            <th>Name</th>
            <th>Parameters</th>
            <th>Source</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {presets.map((p) => (
            <tr key={p.id} data-testid={`preset-${p.name}`}>
              <td>
                <input
                  type="checkbox"
                  aria-label={`select ${p.name}`}
                  checked={selected.includes(p.id)}
                  onChange={(e) => setSelected(e.target.checked ? [...selected, p.id] : selected.filter((x) => x !== p.id))}
                />
              </td>
              <td>
                <b>{p.name}</b>
                {p.description && <div className="muted small">{p.description}</div>}
              </td>
              <td className="small" style={{ whiteSpace: 'normal' }}>
                {Object.entries(p.parameters ?? {})
                  .map(([k, v]) => `${k}: ${fmtValue(v)}`)
                  .join(' · ')}
              </td>
              <td>{p.builtin ? 'shipped' : 'user'}</td>
              <td>
                <PresetActions p={p} actions={actions} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface FormProps {
  draft: PresetDraft;
  setDraft: (d: PresetDraft) => void;
  onSave: () => void;
  onCancel: () => void;
}

/** Creates a preset, or edits a user preset in place (the name is fixed then). */
function PresetForm({ draft, setDraft, onSave, onCancel }: FormProps) {
  const params = useRef<HTMLTextAreaElement>(null);
  const editing = draft.editing != null;
  useEffect(() => {
    if (draft.editing != null) params.current?.focus();
  }, [draft.editing]);
  return (
    <div className="card" data-testid="preset-form">
      <h2>{editing ? `Edit ${draft.name}` : 'Create'}</h2>
      <div className="form-grid">
        <label>
          Name
          <input value={draft.name} readOnly={editing} title={editing ? 'a preset keeps its name: Copy it to rename' : undefined} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
        </label>
        <label>
          Description
          <input value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.target.value })} />
        </label>
      </div>
      <label style={{ marginTop: 8 }}>
        Parameters (YAML or JSON)
        <textarea ref={params} rows={6} value={draft.params} onChange={(e) => setDraft({ ...draft, params: e.target.value })} placeholder={'mem-fraction-static: [0.7, 0.8]\nschedule-policy: [lpm, fcfs]'} />
      </label>
      <div className="actions" style={{ marginTop: 8 }}>
        <button className="primary" onClick={onSave} disabled={!draft.name.trim()}>
          {editing ? 'Save changes' : 'Create preset'}
        </button>
        {(editing || draft !== EMPTY_DRAFT) && <button onClick={onCancel}>Cancel</button>}
      </div>
    </div>
  );
}

type Merged = { parameters?: JsonObject; conflicts?: unknown[] };

function MergeControls({ selected, onMerge }: { selected: number[]; onMerge: (strategy: string, name: string) => Promise<Merged | null> }) {
  const [strategy, setStrategy] = useState('union');
  const [mergeName, setMergeName] = useState('');
  const [result, setResult] = useState<Merged | null>(null);
  return (
    <>
      <div className="row" style={{ marginTop: 10 }}>
        <label className="inline">
          Merge by
          <select value={strategy} onChange={(e) => setStrategy(e.target.value)}>
            {STRATEGIES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <input placeholder="save as (optional name)" value={mergeName} onChange={(e) => setMergeName(e.target.value)} />
        <button onClick={async () => setResult((await onMerge(strategy, mergeName.trim())) ?? result)} disabled={selected.length < 2}>
          Merge {selected.length} selected
        </button>
      </div>
      {result && (
        <pre className="small" data-testid="merge-result">
          {JSON.stringify(result, null, 2)}
        </pre>
      )}
    </>
  );
}

function ImportCard({ onImport }: { onImport: (text: string) => Promise<boolean> }) {
  const [importText, setImportText] = useState('');
  return (
    <div className="card">
      <h2>Import</h2>
      <input
        type="file"
        accept=".json,.yaml,.yml"
        onChange={async (e) => {
          const f = e.target.files?.[0];
          if (f) await onImport(await f.text());
        }}
      />
      <textarea rows={6} style={{ width: '100%', marginTop: 6 }} value={importText} onChange={(e) => setImportText(e.target.value)} placeholder="…or paste a preset (JSON / YAML)" />
      <button onClick={async () => (await onImport(importText)) && setImportText('')} disabled={!importText.trim()}>
        Import
      </button>
    </div>
  );
}

/** Runs one page action, showing its error in the page's banner; true when it went through. */
function useGuarded(setError: (e: unknown) => void) {
  return useCallback(
    async (action: () => Promise<void>): Promise<boolean> => {
      setError(null);
      try {
        await action();
        return true;
      } catch (e) {
        setError(e);
        return false;
      }
    },
    [setError],
  );
}

export default function Presets() {
  const [presets, setPresets] = useState<ParamPreset[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [draft, setDraft] = useState<PresetDraft>(EMPTY_DRAFT);
  const [selected, setSelected] = useState<number[]>([]);
  const guarded = useGuarded(setError);

  const load = useCallback(async () => {
    try {
      const r = await api.get<Page<ParamPreset> | ParamPreset[]>('/api/presets');
      setPresets(Array.isArray(r) ? r : (r.items ?? []));
    } catch (e) {
      setError(e);
      setPresets([]);
    }
  }, []);
  useEffect(() => void load(), [load]);

  const save = () =>
    guarded(async () => {
      const parameters = draft.params.trim() ? await parseTaskText(draft.params) : {};
      const { method, path, body } = presetRequest(draft, parameters);
      await request(method, path, body);
      setDraft(EMPTY_DRAFT);
      await load();
    });
  const doImport = (text: string) =>
    guarded(async () => {
      const r = await api.post<{ imported?: unknown[]; skipped?: { name: string; reason: string }[] }>('/api/presets/import', await parseTaskText(text));
      await load();
      if (r?.skipped?.length) setError(new Error(`Skipped: ${r.skipped.map((x) => `${x.name} (${x.reason})`).join(', ')}`));
    });
  const merge = async (strategy: string, name: string): Promise<Merged | null> => {
    let result: Merged | null = null;
    await guarded(async () => {
      const body: JsonObject = { ids: selected, strategy };
      if (name) body.name = name;
      result = await api.post<Merged>('/api/presets/merge', body);
      if (name) await load();
    });
    return result;
  };
  const actions: RowActions = {
    onEdit: (p) => setDraft(editDraft(p)),
    onCopy: (p) => setDraft(copyDraft(p)),
    onExport: (p) => void guarded(async () => download(`${p.name}.json`, await api.text(`/api/presets/${p.id}/export`), 'application/json')),
    onDelete: (p) => {
      if (!window.confirm(`Delete preset ${p.name}?`)) return;
      void guarded(async () => {
        await api.del(`/api/presets/${p.id}`);
        if (draft.editing === p.id) setDraft(EMPTY_DRAFT);
        await load();
      });
    },
  };

  return (
    <div>
      <h1>Parameter presets</h1>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      <div className="card">
        {presets === null ? (
          <Loading />
        ) : presets.length === 0 ? (
          <Empty>No preset yet. Create one below or import a file.</Empty>
        ) : (
          <PresetsTable presets={presets} selected={selected} setSelected={setSelected} actions={actions} />
        )}
        <MergeControls selected={selected} onMerge={merge} />
      </div>
      <div className="grid">
        <PresetForm draft={draft} setDraft={setDraft} onSave={() => void save()} onCancel={() => setDraft(EMPTY_DRAFT)} />
        <ImportCard onImport={doImport} />
      </div>
    </div>
  );
}
