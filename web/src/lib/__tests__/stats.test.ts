import { describe, expect, it } from 'vitest';
import { axisOptions, flattenRun, scatterData, subRoundPoints } from '../stats';
import { AXES_STORAGE_KEY, DEFAULT_AXES, loadAxes, resolveAxis, saveAxes } from '../axes';
import type { Experiment } from '../types';

const run = {
  scenario: 'D(100,100)',
  num_concurrency: 4,
  requests_per_second: 3.5,
  error_rate: 0,
  mean_output_throughput_tokens_per_s: 350,
  error_codes_frequency: {},
  stats: { ttft: { mean: 0.1, p90: 0.2 }, e2e_latency: { p99: 1.5 }, num_input_tokens: { mean: 100 } },
};

describe('flattenRun', () => {
  it('flattens stats.<metric>.<stat> to <metric>_<stat> and keeps scalars', () => {
    const flat = flattenRun(run);
    expect(flat).toMatchObject({ scenario: 'D(100,100)', num_concurrency: 4, ttft_mean: 0.1, ttft_p90: 0.2, e2e_latency_p99: 1.5, num_input_tokens_mean: 100 });
    expect(flat).not.toHaveProperty('stats');
    expect(flat).not.toHaveProperty('error_codes_frequency');
  });
});

describe('axisOptions', () => {
  it('puts num_concurrency, throughputs, rps, error_rate first, then every stat sorted', () => {
    const e = { id: 1, experiment_id: 1, metrics: { raw_results: [run] } } as unknown as Experiment;
    const pts = subRoundPoints([e]);
    expect(pts).toHaveLength(1);
    const opts = axisOptions(pts);
    expect(opts.slice(0, 4)).toEqual(['num_concurrency', 'mean_output_throughput_tokens_per_s', 'requests_per_second', 'error_rate']);
    expect(opts).toEqual(expect.arrayContaining(['e2e_latency_p99', 'num_input_tokens_mean', 'ttft_mean', 'ttft_p90']));
    expect(opts).not.toContain('scenario');
  });
  it('is empty-safe', () => {
    expect(subRoundPoints([{ id: 1, experiment_id: 1, metrics: null } as unknown as Experiment])).toEqual([]);
  });
});

describe('axis persistence', () => {
  it('round-trips through localStorage', () => {
    expect(loadAxes()).toEqual(DEFAULT_AXES);
    saveAxes({ x: 'num_concurrency', y: 'ttft_p90' });
    expect(JSON.parse(localStorage.getItem(AXES_STORAGE_KEY)!)).toEqual({ x: 'num_concurrency', y: 'ttft_p90' });
    expect(loadAxes()).toEqual({ x: 'num_concurrency', y: 'ttft_p90' });
  });
  it('ignores corrupt storage', () => {
    localStorage.setItem(AXES_STORAGE_KEY, '{not json');
    expect(loadAxes()).toEqual(DEFAULT_AXES);
    localStorage.setItem(AXES_STORAGE_KEY, JSON.stringify({ x: 5 }));
    expect(loadAxes()).toEqual(DEFAULT_AXES);
  });
  it('resolves a stored axis missing from the data to an available one', () => {
    expect(resolveAxis('ttft_p90', ['a', 'ttft_p90'], 0)).toBe('ttft_p90');
    expect(resolveAxis('gone', ['a', 'b'], 1)).toBe('b');
    expect(resolveAxis('gone', ['a'], 1)).toBe('a');
  });
});

describe('scatterData', () => {
  const run = (conc: number, lat: number) => ({ scenario: 'D(100,100)', num_concurrency: conc, stats: { e2e_latency: { mean: lat } } });
  const e = (id: number, n: number, lat: number) =>
    ({ id, experiment_id: n, status: 'success', parameters: {}, metrics: { raw_results: [run(1, lat), run(4, lat * 2)] } }) as unknown as Experiment;
  const points = subRoundPoints([e(11, 1, 1), e(12, 2, 2), e(13, 3, 3), e(14, 4, 4)]);

  it('keeps every point at its index whichever is hovered (the tooltip finds points by index)', () => {
    const still = scatterData(points, 'num_concurrency', 'e2e_latency_mean', 12, null);
    const order = still.map((d) => `${d.n}@${d.conc}`);
    for (const hovered of [11, 13, 14]) {
      const moved = scatterData(points, 'num_concurrency', 'e2e_latency_mean', 12, hovered);
      expect(moved.map((d) => `${d.n}@${d.conc}`)).toEqual(order);
      expect(moved.filter((d) => d.role === 'hovered').map((d) => d.id)).toEqual([hovered, hovered]);
    }
    // Each point names its own experiment: its y is that experiment's latency.
    for (const d of still) expect(d.y).toBe(d.n * (d.conc === 4 ? 2 : 1));
  });

  it('draws the best last and skips runs without both values', () => {
    const data = scatterData(points, 'num_concurrency', 'e2e_latency_mean', 11, null);
    expect(data.slice(-2).map((d) => [d.n, d.role])).toEqual([[1, 'best'], [1, 'best']]);
    expect(scatterData(points, 'num_concurrency', 'no_such_stat', null, null)).toEqual([]);
  });
});
