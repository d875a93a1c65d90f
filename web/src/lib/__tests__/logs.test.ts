import { describe, expect, it } from 'vitest';
import { experimentLog, experimentRanges, filterLogs, mergeLogs, normaliseExperimentIds } from '../logs';
import type { LogLine } from '../types';

let id = 0;
const L = (line: string, experiment_id: number | null = null, level = 'info'): LogLine => ({ task_id: 1, log_id: ++id, experiment_id, level, line, at: id });

describe('experimentLog', () => {
  it('returns the whole lifecycle of one experiment, engine output included, with parallel experiments interleaved', () => {
    id = 0;
    const lines = [
      L('Task started'),
      L('[Experiment 1] Status: DEPLOYING', 1),
      L('[Experiment 2] Status: DEPLOYING', 2),
      L('INFO: Uvicorn running on :30001', 1), // engine output, no prefix
      L('INFO: Uvicorn running on :30002', 2),
      L('optimizer: suggesting next batch'), // task-level, while both run → belongs to neither
      L('[Experiment 2] Status: BENCHMARKING', 2),
      L('[Experiment 1] Status: CANCELLED', 1),
      L('torch.OutOfMemoryError', 2, 'error'),
      L('[Experiment 2] Status: FAILED', 2),
      L('Task cancelled'),
    ];
    expect(experimentLog(lines, 1).map((l) => l.line)).toEqual([
      '[Experiment 1] Status: DEPLOYING',
      'INFO: Uvicorn running on :30001',
      '[Experiment 1] Status: CANCELLED',
    ]);
    expect(experimentLog(lines, 2).map((l) => l.line)).toEqual([
      '[Experiment 2] Status: DEPLOYING',
      'INFO: Uvicorn running on :30002',
      '[Experiment 2] Status: BENCHMARKING',
      'torch.OutOfMemoryError',
      '[Experiment 2] Status: FAILED',
    ]);
  });
  it('includes untagged lines inside the range when the experiment runs alone, and prefixed lines without experiment_id', () => {
    id = 0;
    const lines = [L('before'), L('[Experiment 3] Status: DEPLOYING'), L('engine: loading weights'), L('[Experiment 3] Status: SUCCESS'), L('after')];
    expect(experimentLog(lines, 3).map((l) => l.line)).toEqual(['[Experiment 3] Status: DEPLOYING', 'engine: loading weights', '[Experiment 3] Status: SUCCESS']);
    expect(experimentRanges(lines).get(3)).toMatchObject({ start: 1, end: 3, finished: true });
  });
  it('runs to the end of the log while the experiment is active', () => {
    id = 0;
    const lines = [L('[Experiment 1] Status: DEPLOYING', 1), L('loading', 1), L('still loading', 1)];
    expect(experimentLog(lines, 1)).toHaveLength(3);
    expect(experimentRanges(lines).get(1)?.finished).toBe(false);
    expect(experimentLog(lines, 9)).toEqual([]);
  });
});

describe('filterLogs', () => {
  it('filters by text (case-insensitive) and minimum level', () => {
    id = 0;
    const lines = [L('Hello', null, 'debug'), L('hello world'), L('careful', null, 'warning'), L('HELLO boom', null, 'error')];
    expect(filterLogs(lines, 'hello', '')).toHaveLength(3);
    expect(filterLogs(lines, '', 'warning').map((l) => l.line)).toEqual(['careful', 'HELLO boom']);
    expect(filterLogs(lines, 'hello', 'info').map((l) => l.line)).toEqual(['hello world', 'HELLO boom']);
  });
});

describe('mergeLogs', () => {
  it('appends in order and de-duplicates replayed lines', () => {
    id = 0;
    const a = [L('1'), L('2')];
    const b = L('3');
    expect(mergeLogs(a, [b]).map((l) => l.line)).toEqual(['1', '2', '3']);
    expect(mergeLogs([...a, b], [a[1], b]).map((l) => l.line)).toEqual(['1', '2', '3']);
    expect(mergeLogs([b], a).map((l) => l.line)).toEqual(['1', '2', '3']);
    expect(mergeLogs(a, [b], 2).map((l) => l.line)).toEqual(['2', '3']);
  });
});

describe('normaliseExperimentIds', () => {
  it('maps global experiment ids back to the numbers the lines announce', () => {
    id = 0;
    const lines = [L('[Experiment 1] Status: DEPLOYING', 41), L('engine out', 41), L('[Experiment 2] Status: DEPLOYING', 42), L('task line')];
    expect(normaliseExperimentIds(lines).map((l) => l.experiment_id)).toEqual([1, 1, 2, null]);
  });
  it('leaves consistent lines alone', () => {
    id = 0;
    const lines = [L('[Experiment 1] Status: DEPLOYING', 1), L('engine out', 1)];
    expect(normaliseExperimentIds(lines)).toBe(lines);
  });
});
