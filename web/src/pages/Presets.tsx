import { useCallback, useEffect, useState } from 'react';
import { api } from '../lib/api';
import type { JsonObject, Page, ParamPreset } from '../lib/types';
import { parseTaskText } from '../lib/importTask';
import { download } from '../lib/analysis';
import { fmtValue } from '../lib/format';
import { Empty, ErrorBanner, Loading } from '../components/common';

const STRATEGIES = ['union', 'intersection', 'last_wins'];

export default function Presets() {
  const [presets, setPresets] = useState<ParamPreset[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [params, setParams] = useState('');
  const [importText, setImportText] = useState('');
  const [selected, setSelected] = useState<number[]>([]);
  const [strategy, setStrategy] = useState('union');
  const [mergeName, setMergeName] = useState('');
  const [mergeResult, setMergeResult] = useState<{ parameters?: JsonObject; conflicts?: unknown[] } | null>(null);

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

  const create = async () => {
    setError(null);
    try {
      const parameters = params.trim() ? await parseTaskText(params) : {};
      await api.post('/api/presets', { name, description, parameters });
      setName('');
      setDescription('');
      setParams('');
      await load();
    } catch (e) {
      setError(e);
    }
  };
  const doImport = async (text: string) => {
    setError(null);
    try {
      const body = await parseTaskText(text);
      const r = await api.post<{ imported?: unknown[]; skipped?: { name: string; reason: string }[] }>('/api/presets/import', body);
      setImportText('');
      if (r?.skipped?.length) setError(new Error(`Skipped: ${r.skipped.map((x) => `${x.name} (${x.reason})`).join(', ')}`));
      await load();
    } catch (e) {
      setError(e);
    }
  };
  const merge = async () => {
    setError(null);
    try {
      const body: JsonObject = { ids: selected, strategy };
      if (mergeName.trim()) body.name = mergeName.trim();
      setMergeResult(await api.post('/api/presets/merge', body));
      if (mergeName.trim()) await load();
    } catch (e) {
      setError(e);
    }
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
                  <tr key={p.id}>
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
                      <div className="actions">
                        <button
                          onClick={async () => {
                            try {
                              download(`${p.name}.json`, await api.text(`/api/presets/${p.id}/export`), 'application/json');
                            } catch (e) {
                              setError(e);
                            }
                          }}
                        >
                          Export
                        </button>
                        <button
                          className="danger"
                          disabled={p.builtin}
                          onClick={async () => {
                            if (!window.confirm(`Delete preset ${p.name}?`)) return;
                            try {
                              await api.del(`/api/presets/${p.id}`);
                              await load();
                            } catch (e) {
                              setError(e);
                            }
                          }}
                        >
                          Delete
                        </button>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
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
          <button onClick={merge} disabled={selected.length < 2}>
            Merge {selected.length} selected
          </button>
        </div>
        {mergeResult && (
          <pre className="small" data-testid="merge-result">
            {JSON.stringify(mergeResult, null, 2)}
          </pre>
        )}
      </div>
      <div className="grid">
        <div className="card">
          <h2>Create</h2>
          <div className="form-grid">
            <label>
              Name
              <input value={name} onChange={(e) => setName(e.target.value)} />
            </label>
            <label>
              Description
              <input value={description} onChange={(e) => setDescription(e.target.value)} />
            </label>
          </div>
          <label style={{ marginTop: 8 }}>
            Parameters (YAML or JSON)
            <textarea rows={6} value={params} onChange={(e) => setParams(e.target.value)} placeholder={'mem-fraction-static: [0.7, 0.8]\nschedule-policy: [lpm, fcfs]'} />
          </label>
          <button className="primary" onClick={create} disabled={!name.trim()} style={{ marginTop: 8 }}>
            Create preset
          </button>
        </div>
        <div className="card">
          <h2>Import</h2>
          <input
            type="file"
            accept=".json,.yaml,.yml"
            onChange={async (e) => {
              const f = e.target.files?.[0];
              if (f) await doImport(await f.text());
            }}
          />
          <textarea rows={6} style={{ width: '100%', marginTop: 6 }} value={importText} onChange={(e) => setImportText(e.target.value)} placeholder="…or paste a preset (JSON / YAML)" />
          <button onClick={() => doImport(importText)} disabled={!importText.trim()}>
            Import
          </button>
        </div>
      </div>
    </div>
  );
}
