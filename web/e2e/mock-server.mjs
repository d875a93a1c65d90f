#!/usr/bin/env node
// A stand-in for `autotuner serve` implementing docs/api.md with fake studies (no engine, no benchmark): for UI
// development and for running the browser flow while the real server is not built.
//   node e2e/mock-server.mjs [--port 8090] [--host 127.0.0.1] [--web-root dist] [--token T]
// Experiments take ~MOCK_STEP_MS (default 700) per lifecycle step.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const PORT = Number(args.port ?? process.env.PORT ?? 8090);
const HOST = args.host ?? '127.0.0.1';
const WEB_ROOT = args['web-root'] ? path.resolve(args['web-root']) : null;
const TOKEN = args.token ?? process.env.AUTOTUNER_TOKEN ?? '';
const STEP = Number(process.env.MOCK_STEP_MS ?? 700);

const now = () => Date.now() / 1000;
let nextTaskId = 1;
let nextExpId = 1;
let nextEventId = 1;
let nextLogId = 1;
const tasks = new Map(); // id -> {task, experiments: [], events: [], logs: [], timers: Set, queue: []}
const subscribers = new Map(); // task id -> Set(res)
const hubSubscribers = new Set(); // GET /api/events: {res, logs: Set(task id)}
const LOG_TYPES = new Set(['log', 'log_unstored']);
const presets = new Map();
let nextPresetId = 1;
for (const [name, parameters] of [
  ['sglang-memory', { 'mem-fraction-static': [0.7, 0.8, 0.9] }],
  ['sglang-scheduling', { 'schedule-policy': ['lpm', 'fcfs'], 'chunked-prefill-size': [2048, 4096] }],
]) {
  const id = nextPresetId++;
  presets.set(id, { id, name, description: `shipped preset ${name}`, parameters, builtin: true, created_at: now() });
}

const TOP_KEYS = ['task_name', 'description', 'deployment_mode', 'base_runtime', 'runtime_image_tag', 'model', 'hardware', 'parameters',
  'quantization_config', 'parallel_config', 'optimization', 'benchmark', 'slo', 'clusterbasemodel_config', 'clusterservingruntime_config',
  'storage', 'quant_config'];

function validate(spec, selfId = null) {
  const errors = [];
  if (!spec || typeof spec !== 'object') return [{ path: '', message: 'must be an object' }];
  for (const k of Object.keys(spec)) if (!TOP_KEYS.includes(k)) errors.push({ path: k, message: 'unknown field' });
  if (!spec.task_name) errors.push({ path: 'task_name', message: 'required' });
  else if (!/^[A-Za-z0-9._-]{1,63}$/.test(spec.task_name)) errors.push({ path: 'task_name', message: 'only [A-Za-z0-9._-], at most 63 characters' });
  if (!spec.model?.id_or_path) errors.push({ path: 'model.id_or_path', message: 'required' });
  (spec.benchmark?.num_concurrency ?? []).forEach((c, i) => {
    if (!Number.isInteger(c) || c < 1) errors.push({ path: `benchmark.num_concurrency[${i}]`, message: 'must be a positive integer' });
  });
  const mi = spec.optimization?.max_iterations;
  if (mi !== undefined && (!Number.isInteger(mi) || mi < 1)) errors.push({ path: 'optimization.max_iterations', message: 'must be a positive integer' });
  for (const [k, v] of Object.entries(spec.parameters ?? {})) {
    if (k.startsWith('bogus')) errors.push({ path: `parameters.${k}`, message: `unknown flag --${k} for ${spec.base_runtime}` });
    if (Array.isArray(v) && v.length === 0) errors.push({ path: `parameters.${k}`, message: 'empty list' });
  }
  return errors;
}

function normalise(spec) {
  return {
    deployment_mode: 'local',
    ...spec,
    optimization: { strategy: 'grid_search', objective: 'minimize_latency', max_iterations: 100, timeout_per_iteration: 1800, n_initial_random: 5, parallel_experiments: 1, ...(spec.optimization ?? {}) },
    benchmark: { task: 'text-to-text', api: 'completions', traffic_scenarios: ['D(100,100)'], num_concurrency: [1], max_time_per_iteration: 10, max_requests_per_iteration: 50, ...(spec.benchmark ?? {}) },
  };
}

function summary(rec) {
  const exps = rec.experiments;
  const count = (s) => exps.filter((e) => e.status === s).length;
  const best = bestOf(exps);
  return {
    max_iterations: rec.task.spec.optimization.max_iterations,
    total: exps.length,
    success: count('success'),
    failed: count('failed'),
    pruned: count('pruned'),
    cancelled: count('cancelled'),
    running: exps.filter((e) => ['pending', 'deploying', 'benchmarking'].includes(e.status)).length,
    best_score: best?.score ?? null,
    best_experiment_id: best?.id ?? null,
  };
}
const bestOf = (exps) => exps.filter((e) => e.status === 'success' && e.feasible).sort((a, b) => a.score - b.score)[0] ?? null;
const taskJson = (rec) => ({ ...rec.task, summary: summary(rec) });

function emit(rec, type, data) {
  const ev = { id: nextEventId++, type, data };
  rec.events.push(ev);
  if (rec.events.length > 5000) rec.events.shift();
  for (const res of subscribers.get(rec.task.id) ?? []) writeEvent(res, ev);
  for (const h of hubSubscribers) if (!LOG_TYPES.has(type) || h.logs.has(rec.task.id)) writeEvent(h.res, ev);
}
function writeEvent(res, ev) {
  res.write(`id: ${ev.id}\nevent: ${ev.type}\ndata: ${JSON.stringify(ev.data)}\n\n`);
}
function log(rec, line, experimentNumber = null, level = 'info') {
  const l = { task_id: rec.task.id, log_id: nextLogId++, experiment_id: experimentNumber, level, line, at: now() };
  rec.logs.push(l);
  emit(rec, 'log', l);
}

function grid(parameters) {
  let combos = [{}];
  for (const [k, v] of Object.entries(parameters ?? {})) {
    let values = Array.isArray(v) ? v : v?.values ?? v?.choices;
    if (!values && v && typeof v === 'object') {
      const { low = 0, high = 1, type } = v;
      values = [0, 0.5, 1].map((f) => (type === 'integer' ? Math.round(low + f * (high - low)) : low + f * (high - low)));
    }
    combos = combos.flatMap((c) => (values ?? [v]).map((x) => ({ ...c, [k]: x })));
  }
  return combos;
}

function hash(s) {
  let h = 2166136261;
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return ((h >>> 0) % 1000) / 1000;
}

function fakeMetrics(spec, params) {
  const h = hash(JSON.stringify(params));
  const base = 0.6 + h * 0.8;
  const raw = [];
  for (const scenario of spec.benchmark.traffic_scenarios) {
    for (const c of spec.benchmark.num_concurrency) {
      const lat = base * (1 + 0.15 * c) * (0.95 + hash(scenario + c + JSON.stringify(params)) * 0.1);
      const stat = (m) => ({ min: m * 0.7, max: m * 1.6, mean: m, stddev: m * 0.1, sum: m * 20, p25: m * 0.85, p50: m, p75: m * 1.1, p90: m * 1.25, p95: m * 1.35, p99: m * 1.5 });
      const outTp = (100 * c) / lat;
      raw.push({
        scenario, num_concurrency: c, batch_size: 1, iteration_type: 'num_concurrency', run_duration: 3,
        mean_output_throughput_tokens_per_s: outTp, mean_input_throughput_tokens_per_s: outTp, mean_total_tokens_throughput_tokens_per_s: 2 * outTp,
        requests_per_second: c / lat, error_rate: 0, error_codes_frequency: {}, num_error_requests: 0, num_completed_requests: 20, num_requests: 20,
        stats: { ttft: stat(lat * 0.1), tpot: stat(lat / 110), e2e_latency: stat(lat), output_latency: stat(lat * 0.9), output_inference_speed: stat(110 / lat),
          num_input_tokens: stat(100), num_output_tokens: stat(100), total_tokens: stat(200) },
      });
    }
  }
  const mean = (k) => raw.reduce((a, r) => a + (k(r) ?? 0), 0) / raw.length;
  const meanLat = mean((r) => r.stats.e2e_latency.mean);
  return {
    mean_e2e_latency: meanLat, p50_e2e_latency: meanLat, p90_e2e_latency: meanLat * 1.25, p99_e2e_latency: meanLat * 1.5,
    min_e2e_latency: meanLat * 0.7, max_e2e_latency: meanLat * 1.6, mean_ttft: mean((r) => r.stats.ttft.mean), mean_tpot: mean((r) => r.stats.tpot.mean),
    mean_output_throughput: mean((r) => r.mean_output_throughput_tokens_per_s), max_output_throughput: Math.max(...raw.map((r) => r.mean_output_throughput_tokens_per_s)),
    mean_total_throughput: mean((r) => r.mean_total_tokens_throughput_tokens_per_s), max_total_throughput: Math.max(...raw.map((r) => r.mean_total_tokens_throughput_tokens_per_s)),
    total_requests: 20 * raw.length, total_completed_requests: 20 * raw.length, total_error_requests: 0, success_rate: 1, goodput: 1, raw_results: raw,
  };
}

function setExpStatus(rec, exp, status) {
  exp.status = status;
  const at = now();
  exp.transitions.push({ status, at });
  log(rec, `[Experiment ${exp.experiment_id}] Status: ${status.toUpperCase()}`, exp.experiment_id);
  emit(rec, 'experiment_status', { task_id: rec.task.id, id: exp.id, experiment_id: exp.experiment_id, status, at });
}

function later(rec, ms, fn) {
  const t = setTimeout(() => {
    rec.timers.delete(t);
    fn();
  }, ms);
  rec.timers.add(t);
}

function progress(rec) {
  const s = summary(rec);
  emit(rec, 'progress', { task_id: rec.task.id, max_iterations: s.max_iterations, done: s.success + s.failed + s.cancelled, running: s.running,
    best_score: s.best_score, best_experiment_id: s.best_experiment_id, elapsed_s: now() - (rec.task.started_at ?? now()), eta_s: null, bench: null });
}

function startTask(rec) {
  const spec = rec.task.spec;
  rec.queue = grid(spec.parameters).slice(0, spec.optimization.max_iterations);
  rec.task.status = 'running';
  rec.task.started_at = now();
  rec.task.finished_at = null;
  rec.task.stop_reason = '';
  emit(rec, 'task_status', { task_id: rec.task.id, status: 'running', stop_reason: '' });
  log(rec, `Task ${rec.task.name} started: ${rec.queue.length} candidate configurations, strategy ${spec.optimization.strategy}`);
  const par = Math.max(1, spec.optimization.parallel_experiments ?? 1);
  for (let i = 0; i < par; i++) launchNext(rec);
}

function launchNext(rec) {
  if (rec.task.status !== 'running') return;
  const params = rec.queue.shift();
  if (!params) {
    if (!rec.experiments.some((e) => ['pending', 'deploying', 'benchmarking'].includes(e.status))) finishTask(rec, 'completed', 'max_iterations reached');
    return;
  }
  const exp = { id: nextExpId++, task_id: rec.task.id, experiment_id: rec.experiments.length + 1, status: 'pending', parameters: params, score: null,
    feasible: null, metrics: null, error_class: '', error_message: '', transitions: [{ status: 'pending', at: now() }], created_at: now() };
  rec.experiments.push(exp);
  emit(rec, 'experiment_created', exp);
  log(rec, `[Experiment ${exp.experiment_id}] Parameters: ${JSON.stringify(params)}`, exp.experiment_id);
  later(rec, STEP / 2, () => {
    if (exp.status !== 'pending') return; // cancelled meanwhile
    setExpStatus(rec, exp, 'deploying');
    log(rec, `Launching sglang on port ${30000 + exp.id}`, exp.experiment_id, 'debug');
    later(rec, STEP, () => {
      if (exp.status !== 'deploying') return; // cancelled meanwhile
      log(rec, `INFO:     Uvicorn running on http://127.0.0.1:${30000 + exp.id}`, exp.experiment_id);
      log(rec, 'The server is fired up and ready to roll!', exp.experiment_id);
      setExpStatus(rec, exp, 'benchmarking');
      rec.task.spec.benchmark.num_concurrency.forEach((c, i) =>
        later(rec, ((i + 1) * STEP) / (rec.task.spec.benchmark.num_concurrency.length + 1), () => {
          if (exp.status === 'benchmarking') log(rec, `[Experiment ${exp.experiment_id}] run concurrency=${c}: 20 requests`, exp.experiment_id);
        }),
      );
      later(rec, STEP * 1.5, () => {
        if (exp.status !== 'benchmarking') return;
        const fail = String(params['mem-fraction-static']) === '0.95';
        if (fail) {
          exp.error_class = 'oom';
          exp.error_message = 'torch.OutOfMemoryError: CUDA out of memory';
          log(rec, exp.error_message, exp.experiment_id, 'error');
          setExpStatus(rec, exp, 'failed');
        } else {
          exp.metrics = fakeMetrics(rec.task.spec, params);
          exp.score = exp.metrics.mean_e2e_latency;
          exp.feasible = true;
          setExpStatus(rec, exp, 'success');
        }
        emit(rec, 'experiment_finished', exp);
        progress(rec);
        launchNext(rec);
      });
    });
  });
}

function finishTask(rec, status, reason) {
  rec.task.status = status;
  rec.task.finished_at = now();
  rec.task.stop_reason = reason;
  log(rec, `Task ${rec.task.name} ${status}: ${reason}`);
  emit(rec, 'task_status', { task_id: rec.task.id, status, stop_reason: reason });
  progress(rec);
}

function cancelTask(rec) {
  rec.timers.forEach((t) => clearTimeout(t));
  rec.timers.clear();
  rec.queue = [];
  for (const e of rec.experiments) {
    if (['pending', 'deploying', 'benchmarking'].includes(e.status)) {
      setExpStatus(rec, e, 'cancelled');
      emit(rec, 'experiment_finished', e);
    }
  }
  finishTask(rec, 'cancelled', 'cancelled by user');
}

// ---------- HTTP ----------

function send(res, code, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', ...headers });
  res.end(text);
}
function error(res, code, type, message, details = {}) {
  send(res, code, { error: { code, type, message, details } });
}
async function readJson(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  if (!body) return {};
  return JSON.parse(body);
}
function authorised(req) {
  if (!TOKEN) return true;
  if (req.headers.authorization === `Bearer ${TOKEN}`) return true;
  return (req.headers.cookie ?? '').split(';').some((c) => c.trim() === `autotuner_token=${TOKEN}`);
}
function sse(req, res, taskId, replay, filter = () => true) {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
  res.write(': connected\n\n');
  const since = Number(req.headers['last-event-id'] ?? new URL(req.url, 'http://x').searchParams.get('since') ?? 0);
  for (const ev of replay) if (ev.id > since && filter(ev)) writeEvent(res, ev);
  // Live events pass the same filter (the log streams only forward `log` events, of one experiment if asked).
  const target = { write: (text) => {
    const m = /event: (\w+)\ndata: (.*)\n/.exec(text);
    if (m && filter({ type: m[1], data: JSON.parse(m[2]) })) res.write(text);
  } };
  if (!subscribers.has(taskId)) subscribers.set(taskId, new Set());
  subscribers.get(taskId).add(target);
  const hb = setInterval(() => res.write(': heartbeat\n\n'), 10000);
  req.on('close', () => {
    clearInterval(hb);
    subscribers.get(taskId)?.delete(target);
  });
}

// GET /api/events: every task's events on one stream, log lines only for the tasks in ?logs= (as the server).
function sseAll(req, res, url) {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
  res.write(': connected\n\n');
  const logs = new Set((url.searchParams.get('logs') ?? '').split(',').filter(Boolean).map(Number).slice(0, 64));
  const since = Number(req.headers['last-event-id'] ?? url.searchParams.get('since') ?? NaN);
  if (Number.isFinite(since)) {
    const missed = [...tasks.values()].flatMap((rec) => rec.events).filter((ev) => ev.id > since).sort((a, b) => a.id - b.id);
    for (const ev of missed) if (!LOG_TYPES.has(ev.type) || logs.has(ev.data.task_id)) writeEvent(res, ev);
  }
  const h = { res, logs };
  hubSubscribers.add(h);
  const hb = setInterval(() => res.write(': heartbeat\n\n'), 10000);
  req.on('close', () => {
    clearInterval(hb);
    hubSubscribers.delete(h);
  });
}

function toYaml(v, indent = '') {
  if (Array.isArray(v)) return `[${v.map((x) => JSON.stringify(x)).join(', ')}]`;
  if (v && typeof v === 'object')
    return '\n' + Object.entries(v).map(([k, x]) => `${indent}  ${k}: ${toYaml(x, indent + '  ')}`).join('\n');
  return JSON.stringify(v);
}

const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json', '.png': 'image/png' };

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, `http://${req.headers.host}`);
  const p = url.pathname;
  const m = req.method;
  try {
    if (!p.startsWith('/api/')) {
      if (!WEB_ROOT) return error(res, 404, 'not_found', 'no web root');
      let file = path.join(WEB_ROOT, path.normalize(p).replace(/^(\.\.[/\\])+/, ''));
      if (!file.startsWith(WEB_ROOT) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(WEB_ROOT, 'index.html');
      res.writeHead(200, { 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream' });
      return fs.createReadStream(file).pipe(res);
    }
    if (p === '/api/system/health') return send(res, 200, { status: 'ok', auth_required: !!TOKEN });
    if (p === '/api/auth/login' && m === 'POST') {
      const { token } = await readJson(req);
      if (TOKEN && token !== TOKEN) return error(res, 401, 'unauthorized', 'wrong token');
      return send(res, 200, { ok: true }, { 'Set-Cookie': `autotuner_token=${token}; HttpOnly; SameSite=Strict; Path=/` });
    }
    if (!authorised(req)) return error(res, 401, 'unauthorized', 'token required');

    if (p === '/api/system/info') return send(res, 200, { version: '0.0.0-mock', db: 'memory', tasks: tasks.size, server: 'mock-server.mjs' });
    if (p === '/api/gpus') return send(res, 200, { items: [{ index: 0, name: 'NVIDIA H100 80GB HBM3 (simulated)', memory_total_mb: 81559, memory_used_mb: 0, utilization: 0, busy: null }] });
    if (p === '/api/runtimes') return send(res, 200, { items: ['sglang', 'vllm', 'trtllm', 'sim-sglang', 'sim-vllm', 'sim-trtllm'].map((name) => ({ name, engine: name.replace('sim-', ''), simulated: name.startsWith('sim-'), description: name })) });
    let r;
    if ((r = /^\/api\/runtimes\/([^/]+)\/flags$/.exec(p)))
      return send(res, 200, { runtime: r[1], items: [
        { name: 'mem-fraction-static', type: 'float', default: 'None', help: 'fraction of GPU memory for static allocation', tuned: true },
        { name: 'schedule-policy', type: 'str', choices: ['lpm', 'random', 'fcfs', 'dfs-weight'], default: 'fcfs', help: 'request scheduling policy', tuned: true },
        { name: 'chunked-prefill-size', type: 'int', default: 'None', help: 'max tokens per prefill chunk', tuned: true },
        { name: 'tp-size', type: 'int', default: '1', help: 'tensor parallel size', tuned: true },
      ] });
    if (p === '/api/quantization/presets')
      return send(res, 200, { items: [
        { name: 'default', model_dtype: 'auto', kv_cache_dtype: 'auto', enable_fp8_compute: false },
        { name: 'kv-cache-fp8', model_dtype: 'auto', kv_cache_dtype: 'fp8_e5m2', enable_fp8_compute: false },
        { name: 'dynamic-fp8', model_dtype: 'auto', kv_cache_dtype: 'fp8_e5m2', enable_fp8_compute: true },
        { name: 'bf16-stable', model_dtype: 'bfloat16', kv_cache_dtype: 'fp8_e5m2', enable_fp8_compute: false },
        { name: 'int8-kv-cache', model_dtype: 'auto', kv_cache_dtype: 'int8', enable_fp8_compute: false },
      ] });

    if (p === '/api/events' && m === 'GET') return sseAll(req, res, url);
    if (p === '/api/tasks' && m === 'GET') {
      const status = url.searchParams.get('status');
      let items = [...tasks.values()].map(taskJson).filter((t) => !status || t.status === status);
      items.sort((a, b) => b.created_at - a.created_at);
      const limit = Number(url.searchParams.get('limit') ?? 50);
      const offset = Number(url.searchParams.get('offset') ?? 0);
      return send(res, 200, { items: items.slice(offset, offset + limit), total: items.length, limit, offset });
    }
    if (p === '/api/tasks' && m === 'POST') {
      const spec = await readJson(req);
      const errors = validate(spec);
      if (errors.length) return error(res, 422, 'invalid_input', `${errors.length} validation error(s)`, { errors });
      if ([...tasks.values()].some((t) => t.task.name === spec.task_name))
        return error(res, 409, 'already_exists', `a task named '${spec.task_name}' already exists`);
      const id = nextTaskId++;
      const rec = { task: { id, name: spec.task_name, description: spec.description ?? '', status: 'pending', created_at: now(), started_at: null, finished_at: null, stop_reason: '', spec: normalise(spec) }, experiments: [], events: [], logs: [], timers: new Set(), queue: [] };
      tasks.set(id, rec);
      return send(res, 201, taskJson(rec));
    }
    if ((r = /^\/api\/tasks\/name\/([^/]+)$/.exec(p))) {
      const rec = [...tasks.values()].find((t) => t.task.name === decodeURIComponent(r[1]));
      return rec ? send(res, 200, taskJson(rec)) : error(res, 404, 'not_found', 'no such task');
    }
    if ((r = /^\/api\/tasks\/(\d+)(?:\/([a-z]+))?$/.exec(p))) {
      const rec = tasks.get(Number(r[1]));
      if (!rec) return error(res, 404, 'not_found', `no task ${r[1]}`);
      const sub = r[2];
      const running = ['running'].includes(rec.task.status);
      if (!sub && m === 'GET') return send(res, 200, taskJson(rec));
      if (!sub && (m === 'PUT' || m === 'PATCH')) {
        if (running) return error(res, 409, 'conflict', 'task is running');
        if (m === 'PUT' && rec.experiments.length) return error(res, 409, 'has_experiments', 'task has experiments: duplicate or clear first');
        const body = await readJson(req);
        const spec = m === 'PATCH' ? { ...rec.task.spec, ...body } : body;
        const errors = validate(spec, rec.task.id);
        if (errors.length) return error(res, 422, 'invalid_input', `${errors.length} validation error(s)`, { errors });
        rec.task.spec = normalise(spec);
        rec.task.name = spec.task_name;
        rec.task.description = spec.description ?? '';
        return send(res, 200, taskJson(rec));
      }
      if (!sub && m === 'DELETE') {
        if (running) return error(res, 409, 'conflict', 'task is running');
        tasks.delete(rec.task.id);
        return send(res, 200, { deleted: rec.task.id });
      }
      if (m === 'POST' && sub === 'start') {
        if (running) return error(res, 409, 'conflict', 'already running');
        if (rec.task.status !== 'pending') return error(res, 409, 'conflict', `task ${rec.task.name} is ${rec.task.status}: restart it to run it again`);
        startTask(rec);
        return send(res, 200, taskJson(rec));
      }
      if (m === 'POST' && sub === 'cancel') {
        if (!running && rec.task.status !== 'pending') return error(res, 409, 'conflict', `task ${rec.task.name} is already ${rec.task.status}`);
        cancelTask(rec);
        return send(res, 200, taskJson(rec));
      }
      if (m === 'POST' && sub === 'clear') {
        if (running) return error(res, 409, 'conflict', 'task is running');
        rec.experiments = [];
        rec.task.status = 'pending';
        rec.task.stop_reason = '';
        emit(rec, 'task_status', { task_id: rec.task.id, status: 'pending', stop_reason: '' });
        return send(res, 200, taskJson(rec));
      }
      // As the server: restart runs a new task `<name>-N`, duplicate makes `<name>_copy` (`-2`, ... when taken).
      if (m === 'POST' && (sub === 'restart' || sub === 'duplicate')) {
        if (sub === 'restart' && running) return error(res, 409, 'conflict', 'task is running: cancel it first');
        const taken = (n) => [...tasks.values()].some((t) => t.task.name === n);
        const rerun = /^(.*)-\d+$/.exec(rec.task.name);
        const base = sub === 'duplicate' ? `${rec.task.name}_copy` : rerun && taken(rerun[1]) ? rerun[1] : rec.task.name;
        let name = base;
        for (let n = 2; taken(name); n++) name = `${base}-${n}`;
        const id = nextTaskId++;
        const spec = { ...structuredClone(rec.task.spec), task_name: name };
        tasks.set(id, { task: { ...structuredClone(rec.task), id, name, spec, status: 'pending', created_at: now(), started_at: null, finished_at: null, stop_reason: '' }, experiments: [], events: [], logs: [], timers: new Set(), queue: [] });
        if (sub === 'restart') startTask(tasks.get(id));
        return send(res, 201, taskJson(tasks.get(id)));
      }
      if (m === 'GET' && sub === 'export') {
        const format = url.searchParams.get('format') ?? 'json';
        if (format === 'yaml') return send(res, 200, toYaml(rec.task.spec).trimStart().replace(/^ {2}/gm, '') + '\n');
        if (format === 'csv') return send(res, 200, 'experiment_id,status,score\n' + rec.experiments.map((e) => `${e.experiment_id},${e.status},${e.score ?? ''}`).join('\n'));
        return send(res, 200, { task: taskJson(rec), experiments: rec.experiments });
      }
      if (m === 'GET' && sub === 'experiments') return send(res, 200, { items: rec.experiments });
      if (m === 'GET' && sub === 'pareto') return send(res, 200, { objectives: ['maximize_throughput', 'minimize_latency'], items: rec.experiments.filter((e) => e.status === 'success') });
      if (m === 'GET' && sub === 'events') return sse(req, res, rec.task.id, rec.events);
      if (m === 'GET' && sub === 'logs') {
        if (url.searchParams.get('follow') === 'true') return sse(req, res, rec.task.id, rec.logs.map((l) => ({ id: l.log_id, type: 'log', data: l })), (ev) => ev.type === 'log');
        return send(res, 200, { items: rec.logs });
      }
    }
    if ((r = /^\/api\/experiments\/(\d+)(?:\/(logs|cancel))?$/.exec(p))) {
      for (const rec of tasks.values()) {
        const e = rec.experiments.find((x) => x.id === Number(r[1]));
        if (!e) continue;
        if (r[2] === 'cancel' && m === 'POST') {
          // As the server: this experiment ends cancelled, the study goes on with the next.
          if (!['pending', 'deploying', 'benchmarking'].includes(e.status)) return error(res, 409, 'conflict', `experiment ${e.experiment_id} is already ${e.status}`);
          if (rec.task.status !== 'running') return error(res, 409, 'conflict', `task ${rec.task.name} is not running`);
          e.error_message = `this experiment was cancelled during ${e.status === 'benchmarking' ? 'the benchmark' : 'deployment'}`;
          setExpStatus(rec, e, 'cancelled');
          emit(rec, 'experiment_finished', e);
          launchNext(rec);
          return send(res, 202, e);
        }
        const lines = rec.logs.filter((l) => l.experiment_id === e.experiment_id);
        if (r[2] === 'logs') {
          if (url.searchParams.get('follow') === 'true')
            return sse(req, res, rec.task.id, lines.map((l) => ({ id: l.log_id, type: 'log', data: l })), (ev) => ev.type === 'log' && ev.data.experiment_id === e.experiment_id);
          return send(res, 200, { items: lines });
        }
        return send(res, 200, url.searchParams.get('logs') === 'true' ? { ...e, engine_log: lines.map((l) => l.line).join('\n') } : e);
      }
      return error(res, 404, 'not_found', 'no such experiment');
    }

    if (p === '/api/presets' && m === 'GET') return send(res, 200, { items: [...presets.values()] });
    if ((p === '/api/presets' || p === '/api/presets/import') && m === 'POST') {
      const body = await readJson(req);
      const items = Array.isArray(body.presets) ? body.presets : [body];
      const created = [];
      for (const b of items) {
        if (!b.name) return error(res, 422, 'invalid_input', 'name required', { errors: [{ path: 'name', message: 'required' }] });
        const id = nextPresetId++;
        presets.set(id, { id, name: b.name, description: b.description ?? '', parameters: b.parameters ?? {}, builtin: false, created_at: now() });
        created.push(presets.get(id));
      }
      return send(res, p.endsWith('import') ? 200 : 201, p.endsWith('import') ? { imported: created, skipped: [] } : created[0]);
    }
    if (p === '/api/presets/merge' && m === 'POST') {
      const { ids = [], strategy = 'union', name } = await readJson(req);
      const list = ids.map((id) => presets.get(id)).filter(Boolean);
      const parameters = {};
      const conflicts = [];
      for (const pr of list) {
        for (const [k, v] of Object.entries(pr.parameters)) {
          if (k in parameters && JSON.stringify(parameters[k]) !== JSON.stringify(v)) {
            conflicts.push({ parameter: k, values: [parameters[k], v] });
            parameters[k] = strategy === 'union' && Array.isArray(v) ? [...new Set([...parameters[k], ...v])] : strategy === 'intersection' && Array.isArray(v) ? parameters[k].filter((x) => v.includes(x)) : v;
          } else parameters[k] = v;
        }
      }
      let preset = null;
      if (name) {
        const id = nextPresetId++;
        preset = { id, name, description: `merged (${strategy})`, parameters, builtin: false, created_at: now() };
        presets.set(id, preset);
      }
      return send(res, 200, { parameters, conflicts, preset });
    }
    if ((r = /^\/api\/presets\/(\d+)(?:\/(export))?$/.exec(p))) {
      const pr = presets.get(Number(r[1]));
      if (!pr) return error(res, 404, 'not_found', 'no such preset');
      if (m === 'GET') return send(res, 200, r[2] ? { name: pr.name, description: pr.description, parameters: pr.parameters } : pr);
      if (m === 'PUT') {
        Object.assign(pr, await readJson(req));
        return send(res, 200, pr);
      }
      if (m === 'DELETE') {
        presets.delete(pr.id);
        return send(res, 200, { deleted: pr.id });
      }
    }
    return error(res, 404, 'not_found', `no route ${m} ${p}`);
  } catch (e) {
    return error(res, 500, 'internal', String(e?.message ?? e));
  }
});

server.listen(PORT, HOST, () => {
  console.log(`mock autotuner serve on http://${HOST}:${server.address().port}${WEB_ROOT ? ` (web root ${WEB_ROOT})` : ''}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
