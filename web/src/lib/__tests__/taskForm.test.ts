import { describe, expect, it } from 'vitest';
import { duplicateForm, emptyForm, errorsFor, formToSpec, parseList, specToForm, validScenario, validateForm } from '../taskForm';
import type { JsonObject } from '../types';

const quickstart: JsonObject = {
  task_name: 'quickstart',
  description: 'Tune the simulated SGLang engine',
  deployment_mode: 'local',
  base_runtime: 'sim-sglang',
  model: { id_or_path: 'meta-llama/Llama-3.2-1B-Instruct' },
  hardware: { gpu_type: 'H100', num_gpus: 1 },
  parameters: {
    'schedule-policy': ['lpm', 'fcfs'],
    'mem-fraction-static': [0.7, 0.8, 0.9],
    'chunked-prefill-size': { type: 'integer', low: 512, high: 8192, log: true },
  },
  quantization_config: { presets: ['default', 'kv-cache-fp8'] },
  parallel_config: { dp: [1, 2] },
  optimization: { strategy: 'grid_search', objective: ['minimize_latency', 'maximize_throughput'], max_iterations: 6, timeout_per_iteration: 120, seed: 42 },
  benchmark: {
    model_tokenizer: 'gpt2',
    traffic_scenarios: ['D(100,100)', 'N(480,240)/(300,150)'],
    num_concurrency: [1, 4],
    request_rate: ['inf', 2],
    max_time_per_iteration: 3,
    max_requests_per_iteration: 20,
    additional_params: { temperature: 0 },
    dataset_url: 'https://example.com/p.jsonl',
  },
  slo: {
    latency: { p90: { threshold: 5, weight: 2, hard_fail: true, fail_ratio: 0.2 } },
    ttft: { threshold: 1, weight: 2 },
    steepness: 0.1,
  },
  storage: { type: 'pvc', pvc_name: 'models' },
};

describe('spec <-> form', () => {
  it('round-trips every SPEC §1 field, unknown ones kept', () => {
    expect(formToSpec(specToForm(quickstart))).toEqual(quickstart);
  });
  it('accepts the legacy parameter form', () => {
    const f = specToForm({ task_name: 't', parameters: { tp_size: { type: 'choice', values: [1, 2] }, x: { type: 'categorical', choices: ['a'] } } });
    expect(f.params.map((p) => [p.name, p.kind, p.values])).toEqual([
      ['tp_size', 'list', '1, 2'],
      ['x', 'list', 'a'],
    ]);
  });
  it('parses list values as numbers, booleans and strings', () => {
    expect(parseList('1, 0.5, true, lpm, "x"')).toEqual([1, 0.5, true, 'lpm', 'x']);
    expect(parseList(' , ')).toEqual([]);
  });
  it('maps single preset and custom quantization', () => {
    expect(formToSpec(specToForm({ task_name: 't', quantization_config: { preset: 'kv-cache-fp8' } })).quantization_config).toEqual({ preset: 'kv-cache-fp8' });
    const custom = { kv_cache_dtype: ['auto', 'fp8_e5m2'], enable_fp8_compute: false };
    expect(formToSpec(specToForm({ task_name: 't', quantization_config: custom })).quantization_config).toEqual(custom);
  });
});

describe('duplicate prefill', () => {
  it('copies the whole spec (SLO and quantization included) as <name>_copy', () => {
    const f = duplicateForm(quickstart);
    expect(f.task_name).toBe('quickstart_copy');
    const spec = formToSpec(f);
    expect(spec.slo).toEqual(quickstart.slo);
    expect(spec.quantization_config).toEqual(quickstart.quantization_config);
    expect({ ...spec, task_name: 'quickstart' }).toEqual(quickstart);
  });
  it('does not alias the source', () => {
    const src = JSON.parse(JSON.stringify(quickstart));
    const f = duplicateForm(src);
    f.params[0].values = 'changed';
    expect(src.parameters['schedule-policy']).toEqual(['lpm', 'fcfs']);
  });
  it('avoids a name that exists', () => {
    expect(duplicateForm(quickstart, ['quickstart_copy']).task_name).toBe('quickstart_copy-2');
    expect(duplicateForm(quickstart, ['quickstart_copy', 'quickstart_copy-2']).task_name).toBe('quickstart_copy-3');
    // A long name gives way so the copy stays within the server's 63-character limit.
    const long = { ...quickstart, task_name: 'n'.repeat(60) };
    expect(duplicateForm(long).task_name).toBe(`${'n'.repeat(58)}_copy`);
    const taken = [`${'n'.repeat(58)}_copy`];
    expect(duplicateForm(long, taken).task_name).toBe(`${'n'.repeat(56)}_copy`);
  });
});

describe('validateForm', () => {
  it('accepts a valid task', () => {
    expect(validateForm(specToForm(quickstart))).toEqual([]);
  });
  it('reports every error at once with field paths', () => {
    const f = emptyForm();
    f.task_name = 'bad name!';
    f.base_runtime = '';
    f.params = [{ name: 'x', kind: 'range', values: '', type: 'integer', low: '10', high: '2', log: false }, { name: 'y', kind: 'list', values: '', type: 'integer', low: '', high: '', log: false }];
    f.num_concurrency = '1, 0, a';
    f.traffic_scenarios = 'D(100,100)\nX(1)';
    f.max_iterations = '-3';
    f.additional_params = '{oops';
    f.slo_ttft = { enabled: true, threshold: '', weight: '', hard_fail: false, fail_ratio: '' };
    const paths = validateForm(f).map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'task_name',
        'base_runtime',
        'model.id_or_path',
        'parameters.x',
        'parameters.y',
        'benchmark.num_concurrency[1]',
        'benchmark.num_concurrency[2]',
        'benchmark.traffic_scenarios[1]',
        'optimization.max_iterations',
        'benchmark.additional_params',
        'slo.ttft.threshold',
      ]),
    );
  });
  it('rejects a dimension set both in parallel_config and parameters', () => {
    const f = specToForm({ ...quickstart, parameters: { 'dp-size': [1, 2] } });
    expect(validateForm(f).map((e) => e.path)).toContain('parallel_config.dp');
  });
  it('checks names longer than 63 characters', () => {
    const f = specToForm({ ...quickstart, task_name: 'a'.repeat(64) });
    expect(errorsFor(validateForm(f), 'task_name')).toEqual(['at most 63 characters']);
  });
});

describe('scenarios', () => {
  it('follows the genai-bench grammar', () => {
    for (const s of ['D(100,100)', 'N(480,240)/(300,150)', 'U(10,20)/(30,40)', 'U(100,200)', 'E(64)', 'R(10,20)', 'I(512,512)', 'I(512,512,2)', 'A(100)', ' D(1, 2) '])
      expect(validScenario(s), s).toBe(true);
    for (const s of ['D(100)', 'X(1,2)', 'N(1,2)', 'D(a,b)', '']) expect(validScenario(s), s).toBe(false);
  });
});

describe('errorsFor', () => {
  it('collects a field and its children', () => {
    const errs = [
      { path: 'benchmark.num_concurrency[2]', message: 'must be a positive integer' },
      { path: 'benchmark.num_concurrency', message: 'required' },
      { path: 'benchmark.num_concurrencyX', message: 'other' },
    ];
    expect(errorsFor(errs, 'benchmark.num_concurrency')).toEqual(['[2]: must be a positive integer', 'required']);
  });
});
