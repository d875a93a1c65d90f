import { describe, expect, it } from 'vitest';
import { defaultAt, defaultText } from '../defaults';

describe('task defaults', () => {
  const server = { optimization: { max_iterations: 30, seed: 42 }, slo: { '*': { weight: 2 } } };
  it('reads the server table first, then the fallback', () => {
    expect(defaultAt('optimization.max_iterations', server)).toBe(30);
    expect(defaultAt('optimization.seed', server)).toBe(42);
    expect(defaultAt('optimization.timeout_per_iteration', server)).toBe(1800);
    expect(defaultAt('optimization.max_iterations', null)).toBe(100);
  });
  it('resolves slo.<entry>.x through slo.*.x', () => {
    expect(defaultAt('slo.ttft.weight', server)).toBe(2);
    expect(defaultAt('slo.latency.p90.fail_ratio', null)).toBeUndefined();
    expect(defaultAt('slo.tpot.fail_ratio', null)).toBe(0.5);
  });
  it('renders placeholders', () => {
    expect(defaultText('benchmark.traffic_scenarios', null, '\n')).toBe('D(100,100)');
    expect(defaultText('benchmark.num_concurrency', null)).toBe('1');
    expect(defaultText('nope', null)).toBe('');
  });
  it("leaves the tokenizer to the model's own files (SPEC §1 model_tokenizer: null)", () => {
    expect(defaultAt('benchmark.model_tokenizer', null)).toBeNull();
    expect(defaultText('benchmark.model_tokenizer', null)).toBe('');
  });
});
