import { describe, expect, it } from 'vitest';
import { experimentsCsv, paretoPoints, runsCsv, sensitivity } from '../analysis';
import type { Experiment } from '../types';

const exp = (n: number, params: Experiment['parameters'], score: number | null, tput: number, lat: number, status: Experiment['status'] = 'success'): Experiment => ({
  id: 100 + n, task_id: 1, experiment_id: n, status, parameters: params, score, feasible: true,
  metrics: { mean_total_throughput: tput, mean_e2e_latency: lat, raw_results: [{ scenario: 'D(1,1)', num_concurrency: 1, stats: { ttft: { p90: 0.1 } } }] },
  error_class: '', error_message: '', transitions: [], created_at: 0,
});

describe('paretoPoints', () => {
  it('marks the non-dominated experiments (max throughput, min latency)', () => {
    const pts = paretoPoints([exp(1, {}, 1, 100, 1), exp(2, {}, 1, 200, 2), exp(3, {}, 1, 150, 2.5), exp(4, {}, 1, 50, 0.5), exp(5, {}, null, 999, 0.1, 'failed')]);
    expect(pts.filter((p) => p.onFront).map((p) => p.experiment.experiment_id)).toEqual([1, 2, 4]);
    expect(pts).toHaveLength(4);
  });
});

describe('sensitivity', () => {
  it('gives mean and best score per parameter value, most influential first', () => {
    const rows = sensitivity([exp(1, { a: 1, b: 'x' }, 1, 0, 0), exp(2, { a: 2, b: 'x' }, 3, 0, 0), exp(3, { a: 1, b: 'y' }, 2, 0, 0)]);
    expect(rows[0].parameter).toBe('a');
    expect(rows[0].values).toEqual([
      { value: '1', mean: 1.5, best: 1, count: 2 },
      { value: '2', mean: 3, best: 3, count: 1 },
    ]);
    expect(rows[1]).toMatchObject({ parameter: 'b', spread: 0 });
  });
});

describe('CSV export', () => {
  it('has one row per experiment with parameters and scalar metrics, quoting where needed', () => {
    const csv = experimentsCsv([exp(1, { policy: 'a,b' }, 0.5, 10, 1)]);
    const [header, row] = csv.trim().split('\n');
    expect(header).toBe('experiment_id,status,score,feasible,error_class,policy,mean_e2e_latency,mean_total_throughput');
    expect(row).toBe('1,success,0.5,true,,"a,b",1,10');
  });
  it('leaves out the hidden parameter and metric columns', () => {
    const csv = experimentsCsv([exp(1, { policy: 'a', tp: 2 }, 0.5, 10, 1)], new Set(['p:policy', 'm:mean_total_throughput']));
    expect(csv.trim().split('\n')).toEqual(['experiment_id,status,score,feasible,error_class,tp,mean_e2e_latency', '1,success,0.5,true,,2,1']);
  });
  it('flattens sub-round runs', () => {
    expect(runsCsv([exp(1, {}, 1, 1, 1)]).trim().split('\n')).toEqual(['experiment_id,scenario,num_concurrency,ttft_p90', '1,"D(1,1)",1,0.1']);
  });
});
