import type { Json, JsonObject } from './types';

/**
 * SPEC §1 defaults in the shape of the server's table (`GET /api/system/info` → `task_defaults`), which the form
 * reads when the server gives it; this copy is only the fallback.
 */
export const FALLBACK_DEFAULTS: JsonObject = {
  deployment_mode: 'local',
  model: { namespace: 'autotuner' },
  optimization: { strategy: 'grid_search', objective: 'minimize_latency', max_iterations: 100, timeout_per_iteration: 1800, n_initial_random: 5, parallel_experiments: 1 },
  benchmark: {
    task: 'text-to-text', model_tokenizer: null, traffic_scenarios: ['D(100,100)'], num_concurrency: [1], api: 'completions',
    max_time_per_iteration: 10, max_requests_per_iteration: 50, dataset: { prompt_column: 'prompt' },
  },
  slo: { '*': { weight: 1.0, hard_fail: false, fail_ratio: 0.5 }, steepness: 0.1 },
};

/** The default at a dotted path (`slo.ttft.weight` falls back to `slo.*.weight`), from the server's table first. */
export function defaultAt(path: string, server: JsonObject | null | undefined): Json | undefined {
  for (const table of [server, FALLBACK_DEFAULTS]) {
    if (!table) continue;
    const v = lookup(table, path.split('.'));
    if (v !== undefined) return v;
  }
  return undefined;
}

function lookup(node: Json | undefined, keys: string[]): Json | undefined {
  if (!keys.length) return node;
  if (!node || typeof node !== 'object' || Array.isArray(node)) return undefined;
  const [head, ...rest] = keys;
  const direct = lookup(node[head], rest);
  if (direct !== undefined) return direct;
  return '*' in node && rest.length ? lookup(node['*'], rest) : undefined;
}

/** Placeholder text for a default: lists one per line for scenarios, comma separated otherwise. */
export function defaultText(path: string, server: JsonObject | null | undefined, joiner = ', '): string {
  const v = defaultAt(path, server);
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(joiner);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
