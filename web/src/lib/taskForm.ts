import type { FieldError, Json, JsonObject } from './types';

/** SPEC §1 defaults (the server's table is authoritative; these are shown as placeholders). */
export const DEFAULTS = {
  deployment_mode: 'local',
  strategy: 'grid_search',
  objective: 'minimize_latency',
  max_iterations: 100,
  timeout_per_iteration: 1800,
  n_initial_random: 5,
  parallel_experiments: 1,
  benchmark_task: 'text-to-text',
  api: 'completions',
  traffic_scenarios: ['D(100,100)'],
  num_concurrency: [1],
  max_time_per_iteration: 10,
  max_requests_per_iteration: 50,
  slo_weight: 1.0,
  slo_fail_ratio: 0.5,
  slo_steepness: 0.1,
};

export const DEPLOYMENT_MODES = ['local', 'docker', 'kubernetes', 'ome'];
export const STRATEGIES = ['grid_search', 'random', 'bayesian'];
export const OBJECTIVES = ['minimize_latency', 'maximize_throughput', 'minimize_ttft', 'minimize_tpot', 'maximize_goodput'];
export const QUANT_PRESETS = ['default', 'kv-cache-fp8', 'dynamic-fp8', 'bf16-stable', 'int8-kv-cache'];
export const QUANT_FIELDS = ['model_dtype', 'kv_cache_dtype', 'enable_fp8_compute'] as const;
export const PARALLEL_DIMS = ['tp', 'pp', 'dp', 'ep'] as const;
export const LATENCY_KEYS = ['p50', 'p90', 'p99'] as const;

export interface ParamRow {
  name: string;
  kind: 'list' | 'range';
  values: string; // comma separated, for kind list
  type: 'integer' | 'continuous';
  low: string;
  high: string;
  log: boolean;
}

export interface SloEntry {
  enabled: boolean;
  threshold: string;
  weight: string;
  hard_fail: boolean;
  fail_ratio: string;
}

export interface TaskFormState {
  task_name: string;
  description: string;
  deployment_mode: string;
  base_runtime: string;
  runtime_image_tag: string;
  model_id: string;
  model_namespace: string;
  gpu_type: string;
  num_gpus: string;
  params: ParamRow[];
  quant_mode: 'none' | 'preset' | 'presets' | 'custom';
  quant_preset: string;
  quant_presets: string[];
  quant_custom: Record<(typeof QUANT_FIELDS)[number], string>;
  parallel: Record<(typeof PARALLEL_DIMS)[number], string>;
  strategy: string;
  objectives: string[];
  max_iterations: string;
  timeout_per_iteration: string;
  n_initial_random: string;
  seed: string;
  parallel_experiments: string;
  bench_task: string;
  model_name: string;
  model_tokenizer: string;
  traffic_scenarios: string; // one per line
  num_concurrency: string; // comma separated
  request_rate: string; // comma separated
  api: string;
  max_time_per_iteration: string;
  max_requests_per_iteration: string;
  additional_params: string; // JSON text
  dataset_path: string;
  dataset_prompt_column: string;
  slo_latency: Record<(typeof LATENCY_KEYS)[number], SloEntry>;
  slo_ttft: SloEntry;
  slo_tpot: SloEntry;
  slo_steepness: string;
  /** Fields the form has no editor for (OME configs, storage, quant_config, dataset_url, …), kept as they are. */
  extra: JsonObject;
  benchmark_extra: JsonObject;
  optimization_extra: JsonObject;
}

const emptySlo = (): SloEntry => ({ enabled: false, threshold: '', weight: '', hard_fail: false, fail_ratio: '' });

export function emptyForm(): TaskFormState {
  return {
    task_name: '',
    description: '',
    deployment_mode: 'local',
    base_runtime: 'sim-sglang',
    runtime_image_tag: '',
    model_id: '',
    model_namespace: '',
    gpu_type: '',
    num_gpus: '',
    params: [],
    quant_mode: 'none',
    quant_preset: 'default',
    quant_presets: [],
    quant_custom: { model_dtype: '', kv_cache_dtype: '', enable_fp8_compute: '' },
    parallel: { tp: '', pp: '', dp: '', ep: '' },
    strategy: '',
    objectives: [],
    max_iterations: '',
    timeout_per_iteration: '',
    n_initial_random: '',
    seed: '',
    parallel_experiments: '',
    bench_task: '',
    model_name: '',
    model_tokenizer: '',
    traffic_scenarios: '',
    num_concurrency: '',
    request_rate: '',
    api: '',
    max_time_per_iteration: '',
    max_requests_per_iteration: '',
    additional_params: '',
    dataset_path: '',
    dataset_prompt_column: '',
    slo_latency: { p50: emptySlo(), p90: emptySlo(), p99: emptySlo() },
    slo_ttft: emptySlo(),
    slo_tpot: emptySlo(),
    slo_steepness: '',
    extra: {},
    benchmark_extra: {},
    optimization_extra: {},
  };
}

// ---------- value helpers ----------

const str = (v: Json | undefined): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));
const isObj = (v: Json | undefined): v is JsonObject => !!v && typeof v === 'object' && !Array.isArray(v);
const listText = (v: Json | undefined): string => (Array.isArray(v) ? v.map(str).join(', ') : str(v));

/** `"1, 2, lpm, true"` → `[1, 2, "lpm", true]` */
export function parseList(text: string): Json[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(parseScalar);
}

export function parseScalar(s: string): Json {
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return Number(s);
  return s.replace(/^["']|["']$/g, '');
}

function num(s: string): number | undefined {
  const t = s.trim();
  if (!t) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** Numbers where they parse, the text otherwise (so the server reports the field). */
function numOrText(s: string): Json | undefined {
  const t = s.trim();
  if (!t) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

function sloFromSpec(v: Json | undefined): SloEntry {
  if (!isObj(v)) return emptySlo();
  return {
    enabled: true,
    threshold: str(v.threshold),
    weight: str(v.weight),
    hard_fail: v.hard_fail === true,
    fail_ratio: str(v.fail_ratio),
  };
}

function sloToSpec(e: SloEntry): JsonObject | undefined {
  if (!e.enabled) return undefined;
  const out: JsonObject = {};
  const t = numOrText(e.threshold);
  if (t !== undefined) out.threshold = t;
  const w = numOrText(e.weight);
  if (w !== undefined) out.weight = w;
  if (e.hard_fail) {
    out.hard_fail = true;
    const f = numOrText(e.fail_ratio);
    if (f !== undefined) out.fail_ratio = f;
  }
  return out;
}

export function paramFromSpec(name: string, v: Json): ParamRow {
  const row: ParamRow = { name, kind: 'list', values: '', type: 'integer', low: '', high: '', log: false };
  if (Array.isArray(v)) return { ...row, values: listText(v) };
  if (isObj(v)) {
    const t = str(v.type);
    if (t === 'categorical' || t === 'choice' || Array.isArray(v.values) || Array.isArray(v.choices)) {
      return { ...row, values: listText(v.values ?? v.choices) };
    }
    return {
      ...row,
      kind: 'range',
      type: t === 'integer' || t === 'int' ? 'integer' : 'continuous',
      low: str(v.low),
      high: str(v.high),
      log: v.log === true,
    };
  }
  return { ...row, values: str(v) };
}

export function paramToSpec(row: ParamRow): Json {
  if (row.kind === 'list') return parseList(row.values);
  const out: JsonObject = { type: row.type };
  const low = numOrText(row.low);
  const high = numOrText(row.high);
  if (low !== undefined) out.low = low;
  if (high !== undefined) out.high = high;
  if (row.log) out.log = true;
  return out;
}

function omit(obj: JsonObject, keys: string[]): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) if (!keys.includes(k)) out[k] = v;
  return out;
}

// ---------- spec <-> form ----------

export function specToForm(spec: JsonObject): TaskFormState {
  const f = emptyForm();
  f.task_name = str(spec.task_name);
  f.description = str(spec.description);
  f.deployment_mode = str(spec.deployment_mode) || 'local';
  f.base_runtime = str(spec.base_runtime);
  f.runtime_image_tag = str(spec.runtime_image_tag);
  const model = isObj(spec.model) ? spec.model : {};
  f.model_id = str(model.id_or_path);
  f.model_namespace = str(model.namespace);
  const hw = isObj(spec.hardware) ? spec.hardware : {};
  f.gpu_type = str(hw.gpu_type);
  f.num_gpus = str(hw.num_gpus);
  const params = isObj(spec.parameters) ? spec.parameters : {};
  f.params = Object.entries(params).map(([k, v]) => paramFromSpec(k, v));

  const q = isObj(spec.quantization_config) ? spec.quantization_config : null;
  if (q) {
    if (typeof q.preset === 'string') {
      f.quant_mode = 'preset';
      f.quant_preset = q.preset;
    } else if (Array.isArray(q.presets)) {
      f.quant_mode = 'presets';
      f.quant_presets = q.presets.map(str);
    } else {
      f.quant_mode = 'custom';
      for (const k of QUANT_FIELDS) f.quant_custom[k] = listText(q[k]);
    }
  }
  const par = isObj(spec.parallel_config) ? spec.parallel_config : {};
  for (const k of PARALLEL_DIMS) f.parallel[k] = listText(par[k]);

  const o = isObj(spec.optimization) ? spec.optimization : {};
  f.strategy = str(o.strategy);
  f.objectives = Array.isArray(o.objective) ? o.objective.map(str) : o.objective ? [str(o.objective)] : [];
  f.max_iterations = str(o.max_iterations);
  f.timeout_per_iteration = str(o.timeout_per_iteration);
  f.n_initial_random = str(o.n_initial_random);
  f.seed = str(o.seed);
  f.parallel_experiments = str(o.parallel_experiments);
  f.optimization_extra = omit(o, ['strategy', 'objective', 'max_iterations', 'timeout_per_iteration', 'n_initial_random', 'seed', 'parallel_experiments']);

  const b = isObj(spec.benchmark) ? spec.benchmark : {};
  f.bench_task = str(b.task);
  f.model_name = str(b.model_name);
  f.model_tokenizer = str(b.model_tokenizer);
  f.traffic_scenarios = Array.isArray(b.traffic_scenarios) ? b.traffic_scenarios.map(str).join('\n') : str(b.traffic_scenarios);
  f.num_concurrency = listText(b.num_concurrency);
  f.request_rate = listText(b.request_rate);
  f.api = str(b.api);
  f.max_time_per_iteration = str(b.max_time_per_iteration);
  f.max_requests_per_iteration = str(b.max_requests_per_iteration);
  f.additional_params = b.additional_params === undefined ? '' : JSON.stringify(b.additional_params);
  const ds = isObj(b.dataset) ? b.dataset : {};
  f.dataset_path = str(ds.path);
  f.dataset_prompt_column = str(ds.prompt_column);
  f.benchmark_extra = omit(b, ['task', 'model_name', 'model_tokenizer', 'traffic_scenarios', 'num_concurrency', 'request_rate', 'api',
    'max_time_per_iteration', 'max_requests_per_iteration', 'additional_params', 'dataset']);

  const slo = isObj(spec.slo) ? spec.slo : {};
  const lat = isObj(slo.latency) ? slo.latency : {};
  for (const k of LATENCY_KEYS) f.slo_latency[k] = sloFromSpec(lat[k]);
  f.slo_ttft = sloFromSpec(slo.ttft);
  f.slo_tpot = sloFromSpec(slo.tpot);
  f.slo_steepness = str(slo.steepness);

  f.extra = omit(spec, ['task_name', 'description', 'deployment_mode', 'base_runtime', 'runtime_image_tag', 'model', 'hardware',
    'parameters', 'quantization_config', 'parallel_config', 'optimization', 'benchmark', 'slo']);
  if (isObj(spec.model)) {
    const rest = omit(spec.model, ['id_or_path', 'namespace']);
    if (Object.keys(rest).length) f.extra = { ...f.extra, __model_extra: rest };
  }
  return f;
}

export function formToSpec(f: TaskFormState): JsonObject {
  const { __model_extra, ...extra } = f.extra as JsonObject & { __model_extra?: Json };
  const spec: JsonObject = { task_name: f.task_name.trim() };
  if (f.description.trim()) spec.description = f.description;
  spec.deployment_mode = f.deployment_mode || 'local';
  if (f.base_runtime.trim()) spec.base_runtime = f.base_runtime.trim();
  if (f.runtime_image_tag.trim()) spec.runtime_image_tag = f.runtime_image_tag.trim();
  const model: JsonObject = isObj(__model_extra) ? { ...__model_extra } : {};
  if (f.model_id.trim()) model.id_or_path = f.model_id.trim();
  if (f.model_namespace.trim()) model.namespace = f.model_namespace.trim();
  spec.model = model;
  if (f.gpu_type.trim() || f.num_gpus.trim()) {
    const hw: JsonObject = {};
    if (f.gpu_type.trim()) hw.gpu_type = f.gpu_type.trim();
    const n = numOrText(f.num_gpus);
    if (n !== undefined) hw.num_gpus = n;
    spec.hardware = hw;
  }
  const params: JsonObject = {};
  for (const row of f.params) if (row.name.trim()) params[row.name.trim()] = paramToSpec(row);
  spec.parameters = params;

  if (f.quant_mode === 'preset') spec.quantization_config = { preset: f.quant_preset };
  else if (f.quant_mode === 'presets') spec.quantization_config = { presets: f.quant_presets };
  else if (f.quant_mode === 'custom') {
    const q: JsonObject = {};
    for (const k of QUANT_FIELDS) {
      const items = parseList(f.quant_custom[k]);
      if (items.length === 1) q[k] = items[0];
      else if (items.length > 1) q[k] = items;
    }
    spec.quantization_config = q;
  }
  const par: JsonObject = {};
  for (const k of PARALLEL_DIMS) {
    const items = parseList(f.parallel[k]);
    if (items.length) par[k] = items;
  }
  if (Object.keys(par).length) spec.parallel_config = par;

  const o: JsonObject = { ...f.optimization_extra };
  if (f.strategy) o.strategy = f.strategy;
  if (f.objectives.length === 1) o.objective = f.objectives[0];
  else if (f.objectives.length > 1) o.objective = f.objectives;
  const setNum = (obj: JsonObject, key: string, s: string) => {
    const v = numOrText(s);
    if (v !== undefined) obj[key] = v;
  };
  setNum(o, 'max_iterations', f.max_iterations);
  setNum(o, 'timeout_per_iteration', f.timeout_per_iteration);
  setNum(o, 'n_initial_random', f.n_initial_random);
  setNum(o, 'seed', f.seed);
  setNum(o, 'parallel_experiments', f.parallel_experiments);
  spec.optimization = o;

  const b: JsonObject = { ...f.benchmark_extra };
  if (f.bench_task) b.task = f.bench_task;
  if (f.model_name.trim()) b.model_name = f.model_name.trim();
  if (f.model_tokenizer.trim()) b.model_tokenizer = f.model_tokenizer.trim();
  const scenarios = splitScenarios(f.traffic_scenarios);
  if (scenarios.length) b.traffic_scenarios = scenarios;
  const conc = parseList(f.num_concurrency);
  if (conc.length) b.num_concurrency = conc;
  const rates = parseList(f.request_rate).map((r) => (typeof r === 'number' ? r : str(r)));
  if (rates.length) b.request_rate = rates;
  if (f.api) b.api = f.api;
  setNum(b, 'max_time_per_iteration', f.max_time_per_iteration);
  setNum(b, 'max_requests_per_iteration', f.max_requests_per_iteration);
  if (f.additional_params.trim()) {
    try {
      b.additional_params = JSON.parse(f.additional_params) as Json;
    } catch {
      b.additional_params = f.additional_params;
    }
  }
  if (f.dataset_path.trim()) {
    const ds: JsonObject = { path: f.dataset_path.trim() };
    if (f.dataset_prompt_column.trim()) ds.prompt_column = f.dataset_prompt_column.trim();
    b.dataset = ds;
  }
  spec.benchmark = b;

  const slo: JsonObject = {};
  const lat: JsonObject = {};
  for (const k of LATENCY_KEYS) {
    const e = sloToSpec(f.slo_latency[k]);
    if (e) lat[k] = e;
  }
  if (Object.keys(lat).length) slo.latency = lat;
  const ttft = sloToSpec(f.slo_ttft);
  if (ttft) slo.ttft = ttft;
  const tpot = sloToSpec(f.slo_tpot);
  if (tpot) slo.tpot = tpot;
  setNum(slo, 'steepness', f.slo_steepness);
  if (Object.keys(slo).length) spec.slo = slo;

  return { ...spec, ...extra };
}

export function splitScenarios(text: string): string[] {
  // One per line; commas inside parentheses belong to the scenario, so split lines only (and `;`).
  return text
    .split(/[\n;]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

// ---------- duplicate ----------

/** task_name's limit (parse.h kMaxTaskNameLength). */
export const MAX_TASK_NAME = 63;

/** The form for "Duplicate": a deep copy of the task's spec (SLO and quantization included), named `<name>_copy`,
 * else `<name>_copy-2`, `-3`, ... as the server's duplicate names it (store UniqueTaskName), `<name>` shortened so
 * the whole stays within MAX_TASK_NAME. */
export function duplicateForm(spec: JsonObject, existingNames: string[] = []): TaskFormState {
  const copy = JSON.parse(JSON.stringify(spec)) as JsonObject;
  let stem = str(copy.task_name) || 'task';
  const unique = () => {
    let name = `${stem}_copy`;
    for (let i = 2; existingNames.includes(name); i++) name = `${stem}_copy-${i}`;
    return name;
  };
  let name = unique();
  while (name.length > MAX_TASK_NAME && stem.length > 1) {
    stem = stem.slice(0, Math.max(1, stem.length - (name.length - MAX_TASK_NAME)));
    name = unique();
  }
  copy.task_name = name;
  return specToForm(copy);
}

// ---------- validation ----------

const SCENARIO_RE = [
  /^D\(\d+,\d+\)$/,
  /^N\(\d+(\.\d+)?,\d+(\.\d+)?\)\/\(\d+(\.\d+)?,\d+(\.\d+)?\)$/,
  /^U\(\d+,\d+\)(\/\(\d+,\d+\))?$/,
  /^E\(\d+\)$/,
  /^R\(\d+,\d+\)$/,
  /^I\(\d+,\d+(,\d+)?\)$/,
  /^A\(\d+\)$/,
];

export function validScenario(s: string): boolean {
  const t = s.replace(/\s+/g, '');
  return SCENARIO_RE.some((re) => re.test(t));
}

function positiveInt(s: string): boolean {
  return /^\d+$/.test(s.trim()) && Number(s) > 0;
}

/** Client-side checks mirroring the server's (which stays authoritative). Paths are SPEC §1 field paths. */
export function validateForm(f: TaskFormState): FieldError[] {
  const errors: FieldError[] = [];
  const err = (path: string, message: string) => errors.push({ path, message });
  const name = f.task_name.trim();
  if (!name) err('task_name', 'required');
  else if (!/^[A-Za-z0-9._-]+$/.test(name)) err('task_name', 'only letters, digits, ".", "_" and "-"');
  else if (name.length > 63) err('task_name', 'at most 63 characters');
  if (!DEPLOYMENT_MODES.includes(f.deployment_mode)) err('deployment_mode', `must be one of ${DEPLOYMENT_MODES.join(', ')}`);
  if (!f.base_runtime.trim()) err('base_runtime', 'required');
  if (!f.model_id.trim()) err('model.id_or_path', 'required');
  if (f.num_gpus.trim() && !positiveInt(f.num_gpus)) err('hardware.num_gpus', 'must be a positive integer');

  const seen = new Set<string>();
  f.params.forEach((row, i) => {
    const key = row.name.trim();
    const path = `parameters.${key || `[${i}]`}`;
    if (!key) err(path, 'flag name required');
    const norm = key.replace(/_/g, '-');
    if (key && seen.has(norm)) err(path, 'duplicate parameter');
    seen.add(norm);
    if (row.kind === 'list') {
      if (parseList(row.values).length === 0) err(path, 'give at least one value');
    } else {
      const low = num(row.low);
      const high = num(row.high);
      if (low === undefined) err(`${path}.low`, 'must be a number');
      if (high === undefined) err(`${path}.high`, 'must be a number');
      if (low !== undefined && high !== undefined && low > high) err(path, 'low must not exceed high');
      if (row.log && low !== undefined && low <= 0) err(`${path}.low`, 'must be > 0 with log scale');
      if (row.type === 'integer' && ((low !== undefined && !Number.isInteger(low)) || (high !== undefined && !Number.isInteger(high))))
        err(path, 'integer range needs integer bounds');
    }
  });

  if (f.quant_mode === 'presets' && f.quant_presets.length === 0) err('quantization_config.presets', 'pick at least one preset');
  for (const k of PARALLEL_DIMS) {
    parseList(f.parallel[k]).forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) err(`parallel_config.${k}[${i}]`, 'must be a positive integer');
    });
    const engineFlag = `${k}-size`;
    if (f.parallel[k].trim() && f.params.some((r) => r.name.trim().replace(/_/g, '-') === engineFlag))
      err(`parallel_config.${k}`, `set both here and as parameter ${engineFlag}`);
  }

  for (const [key, s] of [
    ['max_iterations', f.max_iterations],
    ['timeout_per_iteration', f.timeout_per_iteration],
    ['n_initial_random', f.n_initial_random],
    ['parallel_experiments', f.parallel_experiments],
  ] as const) {
    if (s.trim() && !positiveInt(s)) err(`optimization.${key}`, 'must be a positive integer');
  }
  if (f.seed.trim() && !/^-?\d+$/.test(f.seed.trim())) err('optimization.seed', 'must be an integer');
  f.objectives.forEach((o, i) => {
    if (!OBJECTIVES.includes(o)) err(`optimization.objective[${i}]`, `unknown objective ${o}`);
  });

  splitScenarios(f.traffic_scenarios).forEach((s, i) => {
    if (!validScenario(s)) err(`benchmark.traffic_scenarios[${i}]`, `"${s}" is not a scenario (D(in,out), N(mi,si)/(mo,so), U(..), E(n), …)`);
  });
  parseList(f.num_concurrency).forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) err(`benchmark.num_concurrency[${i}]`, 'must be a positive integer');
  });
  parseList(f.request_rate).forEach((v, i) => {
    if (!(v === 'inf' || (typeof v === 'number' && v > 0))) err(`benchmark.request_rate[${i}]`, 'must be a positive number or "inf"');
  });
  if (f.max_time_per_iteration.trim() && !(Number(f.max_time_per_iteration) > 0)) err('benchmark.max_time_per_iteration', 'must be a positive number');
  if (f.max_requests_per_iteration.trim() && !positiveInt(f.max_requests_per_iteration))
    err('benchmark.max_requests_per_iteration', 'must be a positive integer');
  if (f.additional_params.trim()) {
    try {
      const v = JSON.parse(f.additional_params);
      if (!v || typeof v !== 'object' || Array.isArray(v)) err('benchmark.additional_params', 'must be a JSON object');
    } catch {
      err('benchmark.additional_params', 'must be valid JSON');
    }
  }

  const sloCheck = (path: string, e: SloEntry) => {
    if (!e.enabled) return;
    if (!(Number(e.threshold) > 0) || !e.threshold.trim()) err(`${path}.threshold`, 'must be a positive number');
    if (e.weight.trim() && !(Number(e.weight) >= 0)) err(`${path}.weight`, 'must be a number ≥ 0');
    if (e.hard_fail && e.fail_ratio.trim() && !(Number(e.fail_ratio) >= 0)) err(`${path}.fail_ratio`, 'must be a number ≥ 0');
  };
  for (const k of LATENCY_KEYS) sloCheck(`slo.latency.${k}`, f.slo_latency[k]);
  sloCheck('slo.ttft', f.slo_ttft);
  sloCheck('slo.tpot', f.slo_tpot);
  if (f.slo_steepness.trim() && !(Number(f.slo_steepness) > 0)) err('slo.steepness', 'must be a positive number');
  return errors;
}

/** Errors for a field: those whose path is `path`, or below it (`path.x`, `path[i]`). */
export function errorsFor(errors: FieldError[], path: string): string[] {
  return errors
    .filter((e) => e.path === path || e.path.startsWith(`${path}.`) || e.path.startsWith(`${path}[`))
    .map((e) => (e.path === path ? e.message : `${e.path.slice(path.length).replace(/^\./, '')}: ${e.message}`));
}
