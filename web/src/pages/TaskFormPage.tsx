import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError } from '../lib/api';
import type { FieldError, FlagInfo, JsonObject, Page, QuantPreset, RuntimeInfo, Task } from '../lib/types';
import {
  DEPLOYMENT_MODES,
  LATENCY_KEYS,
  OBJECTIVES,
  PARALLEL_DIMS,
  QUANT_FIELDS,
  QUANT_PRESETS,
  STRATEGIES,
  duplicateForm,
  emptyForm,
  errorsFor,
  formToSpec,
  specToForm,
  validateForm,
  type ParamRow,
  type SloEntry,
  type TaskFormState,
} from '../lib/taskForm';
import { parseTaskText } from '../lib/importTask';
import { defaultText } from '../lib/defaults';
import { navigate } from '../router';
import { ErrorBanner, FieldErrors, Loading } from '../components/common';
import { PresetPicker } from '../components/PresetPicker';

interface Props {
  mode: 'new' | 'edit' | 'duplicate';
  sourceId: number | null;
}

export default function TaskFormPage({ mode, sourceId }: Props) {
  const [form, setForm] = useState<TaskFormState | null>(mode === 'new' ? emptyForm() : null);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [banner, setBanner] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [runtimes, setRuntimes] = useState<RuntimeInfo[]>([]);
  const [flags, setFlags] = useState<FlagInfo[]>([]);
  const [quantPresets, setQuantPresets] = useState<string[]>(QUANT_PRESETS);
  const [importText, setImportText] = useState('');
  const [showImport, setShowImport] = useState(false);
  const [serverDefaults, setServerDefaults] = useState<JsonObject | null>(null);
  // Edit of a task with experiments: the server refuses it (409 has_experiments), so offer Duplicate instead.
  const [measured, setMeasured] = useState(0);
  const d = (path: string, joiner?: string) => defaultText(path, serverDefaults, joiner);

  useEffect(() => {
    if (mode === 'new' || sourceId == null) return;
    (async () => {
      try {
        const task = await api.get<Task>(`/api/tasks/${sourceId}`);
        if (mode === 'edit') {
          setForm(specToForm(task.spec));
          setMeasured(task.summary?.total ?? 0);
        }
        else {
          let names: string[] = [];
          try {
            names = (await api.get<Page<Task>>('/api/tasks?limit=500')).items.map((t) => t.name);
          } catch {
            /* name collisions are reported by the server */
          }
          setForm(duplicateForm({ ...task.spec, task_name: task.spec.task_name ?? task.name }, names));
        }
      } catch (e) {
        setBanner(e);
        setForm(emptyForm());
      }
    })();
  }, [mode, sourceId]);

  useEffect(() => {
    api.get<{ task_defaults?: JsonObject }>('/api/system/info').then((i) => setServerDefaults(i?.task_defaults ?? null)).catch(() => undefined);
    api.get<Page<RuntimeInfo> | RuntimeInfo[]>('/api/runtimes').then((r) => setRuntimes(Array.isArray(r) ? r : (r.items ?? []))).catch(() => undefined);
    api.get<Page<QuantPreset> | QuantPreset[]>('/api/quantization/presets')
      .then((r) => {
        const items = Array.isArray(r) ? r : (r.items ?? []);
        if (items.length) setQuantPresets(items.map((p) => p.name));
      })
      .catch(() => undefined);
  }, []);

  const runtime = form?.base_runtime ?? '';
  useEffect(() => {
    if (!runtime) return;
    api.get<Page<FlagInfo> | FlagInfo[]>(`/api/runtimes/${encodeURIComponent(runtime)}/flags`)
      .then((r) => setFlags(Array.isArray(r) ? r : (r.items ?? [])))
      .catch(() => setFlags([]));
  }, [runtime]);

  const allErrors = errors;
  const errs = (path: string) => errorsFor(allErrors, path);
  const pathsShown = useMemo(() => new Set<string>(), []);

  if (!form) return <Loading />;
  const set = <K extends keyof TaskFormState>(key: K, value: TaskFormState[K]) => setForm({ ...form, [key]: value });

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const local = validateForm(form);
    setErrors(local);
    setBanner(null);
    if (local.length) {
      setBanner(new Error(`${local.length} field${local.length > 1 ? 's need' : ' needs'} attention`));
      return;
    }
    setBusy(true);
    try {
      const spec = formToSpec(form);
      const task = mode === 'edit' ? await api.put<Task>(`/api/tasks/${sourceId}`, spec) : await api.post<Task>('/api/tasks', spec);
      navigate(`/tasks/${task?.id ?? sourceId}`);
    } catch (err) {
      if (err instanceof ApiError && err.type === 'has_experiments') {
        setMeasured(Math.max(1, Number(err.details?.experiments) || 0));
      } else if (err instanceof ApiError && !err.fieldErrors.length && err.status === 409 && /task named/i.test(err.message)) {
        // A name clash is answered as a conflict, not a validation error: show it at the name.
        setErrors([{ path: 'task_name', message: err.message }]);
        setBanner(err);
      } else if (err instanceof ApiError && err.fieldErrors.length) {
        setErrors(err.fieldErrors);
        setBanner(new Error(`The server rejected the task: ${err.fieldErrors.length} field error${err.fieldErrors.length > 1 ? 's' : ''}`));
      } else setBanner(err);
    } finally {
      setBusy(false);
    }
  };

  const doImport = async (text: string) => {
    try {
      const spec = await parseTaskText(text);
      setForm(specToForm(spec));
      setErrors([]);
      setShowImport(false);
      setBanner(null);
    } catch (err) {
      setBanner(new Error(`Import failed: ${(err as Error).message}`));
    }
  };

  const flagNames = flags.map((f) => f.name);
  // Errors the form has no field for are listed in the banner area.
  void pathsShown;
  const knownPrefixes = ['task_name', 'description', 'deployment_mode', 'base_runtime', 'runtime_image_tag', 'model', 'hardware', 'parameters',
    'quantization_config', 'parallel_config', 'optimization', 'benchmark', 'slo'];
  const orphanErrors = allErrors.filter((e) => !knownPrefixes.some((p) => e.path === p || e.path.startsWith(`${p}.`) || e.path.startsWith(`${p}[`)));

  return (
    <form onSubmit={submit} noValidate data-testid="task-form">
      <div className="row">
        <h1>{mode === 'edit' ? 'Edit task' : mode === 'duplicate' ? 'Duplicate task' : 'New task'}</h1>
        <span className="spacer" />
        <button type="button" onClick={() => setShowImport(!showImport)}>
          Import YAML/JSON
        </button>
      </div>
      <ErrorBanner error={banner} onClose={() => setBanner(null)} />
      {mode === 'edit' && measured > 0 && (
        <div className="banner info" data-testid="has-experiments">
          <span>
            This task has {measured} experiment{measured > 1 ? 's' : ''}, measured under this document: changing it would leave them describing
            another task. Duplicate it and change the copy, or clear its results first.
          </span>
          <button type="button" className="primary" onClick={() => navigate(`/tasks/new?from=${sourceId}`)}>
            Duplicate
          </button>
        </div>
      )}
      {orphanErrors.length > 0 && <FieldErrors messages={orphanErrors.map((e) => `${e.path}: ${e.message}`)} />}
      {showImport && (
        <fieldset>
          <legend>Import a task file</legend>
          <input
            type="file"
            accept=".yaml,.yml,.json"
            aria-label="task file"
            onChange={async (e) => {
              const file = e.target.files?.[0];
              if (file) await doImport(await file.text());
            }}
          />
          <textarea rows={10} style={{ width: '100%', marginTop: 6 }} placeholder="…or paste YAML / JSON here" value={importText} onChange={(e) => setImportText(e.target.value)} aria-label="import text" />
          <button type="button" onClick={() => doImport(importText)} disabled={!importText.trim()}>
            Load into form
          </button>
        </fieldset>
      )}

      <fieldset>
        <legend>Task</legend>
        <div className="form-grid">
          <Field label="Task name" errors={errs('task_name')}>
            <input name="task_name" value={form.task_name} onChange={(e) => set('task_name', e.target.value)} placeholder="llama-1b-latency" />
          </Field>
          <Field label="Description" errors={errs('description')}>
            <input name="description" value={form.description} onChange={(e) => set('description', e.target.value)} />
          </Field>
          <Field label="Deployment mode" errors={errs('deployment_mode')}>
            <select name="deployment_mode" value={form.deployment_mode} onChange={(e) => set('deployment_mode', e.target.value)}>
              {DEPLOYMENT_MODES.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </Field>
          <Field label="Runtime" errors={errs('base_runtime')}>
            <input name="base_runtime" list="runtimes" value={form.base_runtime} onChange={(e) => set('base_runtime', e.target.value)} />
            <datalist id="runtimes">
              {runtimes.map((r) => (
                <option key={r.name} value={r.name}>
                  {r.description}
                </option>
              ))}
            </datalist>
          </Field>
          {form.deployment_mode !== 'local' && (
            <Field label="Runtime image tag" errors={errs('runtime_image_tag')}>
              <input name="runtime_image_tag" value={form.runtime_image_tag} onChange={(e) => set('runtime_image_tag', e.target.value)} />
            </Field>
          )}
          <Field label="Model (HF id or path)" errors={errs('model.id_or_path')}>
            <input name="model.id_or_path" value={form.model_id} onChange={(e) => set('model_id', e.target.value)} placeholder="meta-llama/Llama-3.2-1B-Instruct" />
          </Field>
          <Field label="Namespace" errors={errs('model.namespace')}>
            <input name="model.namespace" value={form.model_namespace} onChange={(e) => set('model_namespace', e.target.value)} placeholder={d('model.namespace')} />
          </Field>
          <Field label="GPU type" errors={errs('hardware.gpu_type')}>
            <input name="hardware.gpu_type" value={form.gpu_type} onChange={(e) => set('gpu_type', e.target.value)} placeholder="H100" />
          </Field>
          <Field label="GPUs" errors={errs('hardware.num_gpus')}>
            <input name="hardware.num_gpus" value={form.num_gpus} onChange={(e) => set('num_gpus', e.target.value)} inputMode="numeric" />
          </Field>
        </div>
      </fieldset>

      <fieldset>
        <legend>Parameters (engine flags to search)</legend>
        <datalist id="flag-names">
          {flagNames.map((n) => (
            <option key={n} value={n} />
          ))}
        </datalist>
        <PresetPicker rows={form.params} onApply={(rows) => set('params', rows)} />
        {form.params.length === 0 && <div className="muted">No parameter: the engine runs with its defaults.</div>}
        {form.params.map((row, i) => (
          <ParamEditor
            key={i}
            row={row}
            flag={flags.find((f) => f.name === row.name.trim() || f.name === row.name.trim().replace(/_/g, '-'))}
            errors={errs(`parameters.${row.name.trim() || `[${i}]`}`)}
            onChange={(r) => set('params', form.params.map((x, j) => (j === i ? r : x)))}
            onRemove={() => set('params', form.params.filter((_, j) => j !== i))}
          />
        ))}
        <FieldErrors messages={form.params.length ? [] : errs('parameters')} />
        <button type="button" onClick={() => set('params', [...form.params, { name: '', kind: 'list', values: '', type: 'integer', low: '', high: '', log: false }])}>
          + Add parameter
        </button>
      </fieldset>

      <fieldset>
        <legend>Quantization</legend>
        <div className="row">
          {(['none', 'preset', 'presets', 'custom'] as const).map((m) => (
            <label className="inline" key={m}>
              <input type="radio" name="quant_mode" checked={form.quant_mode === m} onChange={() => set('quant_mode', m)} />
              {m === 'none' ? 'none' : m === 'preset' ? 'one preset' : m === 'presets' ? 'search presets' : 'custom'}
            </label>
          ))}
        </div>
        {form.quant_mode === 'preset' && (
          <Field label="Preset" errors={errs('quantization_config.preset')}>
            <select value={form.quant_preset} onChange={(e) => set('quant_preset', e.target.value)} name="quantization_config.preset">
              {quantPresets.map((p) => (
                <option key={p}>{p}</option>
              ))}
            </select>
          </Field>
        )}
        {form.quant_mode === 'presets' && (
          <>
            <div className="row">
              {quantPresets.map((p) => (
                <label className="inline" key={p}>
                  <input
                    type="checkbox"
                    checked={form.quant_presets.includes(p)}
                    onChange={(e) => set('quant_presets', e.target.checked ? [...form.quant_presets, p] : form.quant_presets.filter((x) => x !== p))}
                  />
                  {p}
                </label>
              ))}
            </div>
            <FieldErrors messages={errs('quantization_config.presets')} />
          </>
        )}
        {form.quant_mode === 'custom' && (
          <div className="form-grid">
            {QUANT_FIELDS.map((k) => (
              <Field key={k} label={`${k} (comma list)`} errors={errs(`quantization_config.${k}`)}>
                <input value={form.quant_custom[k]} onChange={(e) => set('quant_custom', { ...form.quant_custom, [k]: e.target.value })} name={`quantization_config.${k}`} />
              </Field>
            ))}
          </div>
        )}
        {form.quant_mode !== 'custom' && <FieldErrors messages={errs('quantization_config').filter((m) => !m.startsWith('presets'))} />}
      </fieldset>

      <fieldset>
        <legend>Parallelism (engine-neutral; comma lists)</legend>
        <div className="form-grid">
          {PARALLEL_DIMS.map((k) => (
            <Field key={k} label={k} errors={errs(`parallel_config.${k}`)}>
              <input name={`parallel_config.${k}`} value={form.parallel[k]} onChange={(e) => set('parallel', { ...form.parallel, [k]: e.target.value })} placeholder="1, 2" />
            </Field>
          ))}
        </div>
      </fieldset>

      <fieldset>
        <legend>Optimization</legend>
        <div className="form-grid">
          <Field label="Strategy" errors={errs('optimization.strategy')}>
            <select name="optimization.strategy" value={form.strategy} onChange={(e) => set('strategy', e.target.value)}>
              <option value="">default ({d('optimization.strategy')})</option>
              {STRATEGIES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </Field>
          <Field label="Objective(s) — first is primary" errors={errs('optimization.objective')}>
            <div className="row">
              {OBJECTIVES.map((o) => (
                <label className="inline small" key={o}>
                  <input
                    type="checkbox"
                    checked={form.objectives.includes(o)}
                    onChange={(e) => set('objectives', e.target.checked ? [...form.objectives, o] : form.objectives.filter((x) => x !== o))}
                  />
                  {o}
                  {form.objectives.indexOf(o) >= 0 && form.objectives.length > 1 ? ` (${form.objectives.indexOf(o) + 1})` : ''}
                </label>
              ))}
            </div>
          </Field>
          <NumField form={form} set={set} k="max_iterations" label="Max iterations" path="optimization.max_iterations" d={d} errs={errs} />
          <NumField form={form} set={set} k="timeout_per_iteration" label="Timeout per iteration (s)" path="optimization.timeout_per_iteration" d={d} errs={errs} />
          <NumField form={form} set={set} k="n_initial_random" label="Initial random (bayesian)" path="optimization.n_initial_random" d={d} errs={errs} />
          <NumField form={form} set={set} k="seed" label="Seed" path="optimization.seed" d={d} errs={errs} />
          <NumField form={form} set={set} k="parallel_experiments" label="Parallel experiments" path="optimization.parallel_experiments" d={d} errs={errs} />
        </div>
      </fieldset>

      <fieldset>
        <legend>Benchmark</legend>
        <div className="form-grid">
          <Field label="Task" errors={errs('benchmark.task')}>
            <select name="benchmark.task" value={form.bench_task} onChange={(e) => set('bench_task', e.target.value)}>
              <option value="">default ({d('benchmark.task')})</option>
              <option>text-to-text</option>
              <option>text-to-embeddings</option>
            </select>
          </Field>
          <Field label="API" errors={errs('benchmark.api')}>
            <select name="benchmark.api" value={form.api} onChange={(e) => set('api', e.target.value)}>
              <option value="">default ({d('benchmark.api')})</option>
              <option>completions</option>
              <option>chat</option>
            </select>
          </Field>
          <Field label="Model name (sent as model)" errors={errs('benchmark.model_name')}>
            <input name="benchmark.model_name" value={form.model_name} onChange={(e) => set('model_name', e.target.value)} />
          </Field>
          <Field label="Tokenizer" errors={errs('benchmark.model_tokenizer')}>
            <input name="benchmark.model_tokenizer" value={form.model_tokenizer} onChange={(e) => set('model_tokenizer', e.target.value)} placeholder={d('benchmark.model_tokenizer') || "the model's own (tokenizer.json from its files)"} />
          </Field>
          <Field label="Traffic scenarios (one per line)" errors={errs('benchmark.traffic_scenarios')}>
            <textarea name="benchmark.traffic_scenarios" rows={3} value={form.traffic_scenarios} onChange={(e) => set('traffic_scenarios', e.target.value)} placeholder={d('benchmark.traffic_scenarios', '\n')} />
          </Field>
          <Field label="Concurrency (comma list)" errors={errs('benchmark.num_concurrency')}>
            <input name="benchmark.num_concurrency" value={form.num_concurrency} onChange={(e) => set('num_concurrency', e.target.value)} placeholder="1, 4, 8" />
          </Field>
          <Field label="Request rates (optional, comma list, inf)" errors={errs('benchmark.request_rate')}>
            <input name="benchmark.request_rate" value={form.request_rate} onChange={(e) => set('request_rate', e.target.value)} placeholder="inf" />
          </Field>
          <NumField form={form} set={set} k="max_time_per_iteration" label="Max time per run (s)" path="benchmark.max_time_per_iteration" d={d} errs={errs} />
          <NumField form={form} set={set} k="max_requests_per_iteration" label="Max requests per run" path="benchmark.max_requests_per_iteration" d={d} errs={errs} />
          <Field label="Additional request params (JSON)" errors={errs('benchmark.additional_params')}>
            <input name="benchmark.additional_params" value={form.additional_params} onChange={(e) => set('additional_params', e.target.value)} placeholder='{"temperature": 0.0}' />
          </Field>
          <Field label="Dataset path (optional)" errors={errs('benchmark.dataset')}>
            <input name="benchmark.dataset.path" value={form.dataset_path} onChange={(e) => set('dataset_path', e.target.value)} placeholder="prompts.jsonl" />
          </Field>
          <Field label="Prompt column" errors={errs('benchmark.dataset.prompt_column')}>
            <input name="benchmark.dataset.prompt_column" value={form.dataset_prompt_column} onChange={(e) => set('dataset_prompt_column', e.target.value)} placeholder={d('benchmark.dataset.prompt_column')} />
          </Field>
        </div>
      </fieldset>

      <fieldset>
        <legend>SLOs (seconds)</legend>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Metric</th>
                <th>On</th>
                <th>Threshold</th>
                <th>Weight</th>
                <th>Hard fail</th>
                <th>Fail ratio</th>
              </tr>
            </thead>
            <tbody>
              {LATENCY_KEYS.map((k) => (
                <SloRow key={k} label={`latency ${k}`} path={`slo.latency.${k}`} entry={form.slo_latency[k]} errs={errs} onChange={(en) => set('slo_latency', { ...form.slo_latency, [k]: en })} />
              ))}
              <SloRow label="ttft (mean)" path="slo.ttft" entry={form.slo_ttft} errs={errs} onChange={(en) => set('slo_ttft', en)} />
              <SloRow label="tpot (mean)" path="slo.tpot" entry={form.slo_tpot} errs={errs} onChange={(en) => set('slo_tpot', en)} />
            </tbody>
          </table>
        </div>
        <div className="form-grid" style={{ marginTop: 8 }}>
          <Field label="Steepness" errors={errs('slo.steepness')}>
            <input name="slo.steepness" value={form.slo_steepness} onChange={(e) => set('slo_steepness', e.target.value)} placeholder={d('slo.steepness')} />
          </Field>
        </div>
      </fieldset>

      {Object.keys(form.extra).length > 0 && (
        <fieldset>
          <legend>Other fields (kept as imported)</legend>
          <pre className="small">{JSON.stringify(form.extra, null, 2)}</pre>
        </fieldset>
      )}

      <div className="row">
        <button type="submit" className="primary" disabled={busy || (mode === 'edit' && measured > 0)}>
          {mode === 'edit' ? 'Save changes' : 'Create task'}
        </button>
        <button type="button" onClick={() => history.back()}>
          Cancel
        </button>
        <span className="spacer" />
        <button type="button" onClick={() => setErrors(validateForm(form))}>
          Check
        </button>
      </div>
    </form>
  );
}

function Field({ label, errors, children }: { label: string; errors: string[]; children: ReactNode }) {
  return (
    <label className={errors.length ? 'has-error' : ''}>
      {label}
      {children}
      <FieldErrors messages={errors} />
    </label>
  );
}

type NumKey = 'max_iterations' | 'timeout_per_iteration' | 'n_initial_random' | 'seed' | 'parallel_experiments' | 'max_time_per_iteration' | 'max_requests_per_iteration';

function NumField(props: {
  form: TaskFormState;
  set: <K extends keyof TaskFormState>(key: K, value: TaskFormState[K]) => void;
  k: NumKey;
  label: string;
  path: string;
  d: (path: string) => string;
  errs: (p: string) => string[];
}) {
  return (
    <Field label={props.label} errors={props.errs(props.path)}>
      <input name={props.path} inputMode="numeric" value={props.form[props.k]} onChange={(e) => props.set(props.k, e.target.value)} placeholder={props.d(props.path)} />
    </Field>
  );
}

function ParamEditor({ row, flag, errors, onChange, onRemove }: { row: ParamRow; flag?: FlagInfo; errors: string[]; onChange: (r: ParamRow) => void; onRemove: () => void }) {
  return (
    <div>
      <div className="param-row" data-testid="param-row">
        <input list="flag-names" value={row.name} onChange={(e) => onChange({ ...row, name: e.target.value })} placeholder="flag, e.g. mem-fraction-static" aria-label="parameter name" />
        <select value={row.kind} onChange={(e) => onChange({ ...row, kind: e.target.value as ParamRow['kind'] })} aria-label="parameter form">
          <option value="list">list</option>
          <option value="range">range</option>
        </select>
        {row.kind === 'list' ? (
          <input value={row.values} onChange={(e) => onChange({ ...row, values: e.target.value })} placeholder={flag?.choices?.length ? flag.choices.join(', ') : 'values, comma separated'} aria-label="parameter values" />
        ) : (
          <div className="param-range">
            <select value={row.type} onChange={(e) => onChange({ ...row, type: e.target.value as ParamRow['type'] })} aria-label="range type">
              <option value="integer">integer</option>
              <option value="continuous">continuous</option>
            </select>
            <input value={row.low} onChange={(e) => onChange({ ...row, low: e.target.value })} placeholder="low" aria-label="low" />
            <input value={row.high} onChange={(e) => onChange({ ...row, high: e.target.value })} placeholder="high" aria-label="high" />
            <label className="inline">
              <input type="checkbox" checked={row.log} onChange={(e) => onChange({ ...row, log: e.target.checked })} /> log
            </label>
          </div>
        )}
        <button type="button" onClick={onRemove} aria-label="remove parameter">
          ✕
        </button>
      </div>
      {flag && (
        <div className="muted small" style={{ marginTop: -4, marginBottom: 6 }}>
          {flag.type ? `${flag.type}` : ''}
          {flag.default ? ` · default ${flag.default}` : ''}
          {flag.help ? ` · ${flag.help}` : ''}
        </div>
      )}
      <FieldErrors messages={errors} />
    </div>
  );
}

function SloRow({ label, path, entry, errs, onChange }: { label: string; path: string; entry: SloEntry; errs: (p: string) => string[]; onChange: (e: SloEntry) => void }) {
  const messages = errs(path);
  return (
    <>
      <tr>
        <td>{label}</td>
        <td>
          <input type="checkbox" checked={entry.enabled} onChange={(e) => onChange({ ...entry, enabled: e.target.checked })} aria-label={`${label} enabled`} />
        </td>
        <td>
          <input name={`${path}.threshold`} disabled={!entry.enabled} value={entry.threshold} onChange={(e) => onChange({ ...entry, threshold: e.target.value })} style={{ width: 80 }} aria-label={`${label} threshold`} />
        </td>
        <td>
          <input name={`${path}.weight`} disabled={!entry.enabled} value={entry.weight} onChange={(e) => onChange({ ...entry, weight: e.target.value })} placeholder={defaultText("slo.entry.weight", null)} style={{ width: 70 }} aria-label={`${label} weight`} />
        </td>
        <td>
          <input type="checkbox" disabled={!entry.enabled} checked={entry.hard_fail} onChange={(e) => onChange({ ...entry, hard_fail: e.target.checked })} aria-label={`${label} hard fail`} />
        </td>
        <td>
          <input name={`${path}.fail_ratio`} disabled={!entry.enabled || !entry.hard_fail} value={entry.fail_ratio} onChange={(e) => onChange({ ...entry, fail_ratio: e.target.value })} placeholder={defaultText("slo.entry.fail_ratio", null)} style={{ width: 70 }} aria-label={`${label} fail ratio`} />
        </td>
      </tr>
      {messages.length > 0 && (
        <tr>
          <td colSpan={6}>
            <FieldErrors messages={messages.map((m) => `${label}: ${m}`)} />
          </td>
        </tr>
      )}
    </>
  );
}

export type { JsonObject };
