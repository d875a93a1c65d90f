import { describe, expect, it } from 'vitest';
import { filterLogs, logText, mergeLogs, ownLines, readAllPages } from '../logs';
import type { LogLine } from '../types';

let id = 0;
const L = (line: string, experiment_id: number | null = null, level = 'info'): LogLine => ({ task_id: 1, log_id: ++id, experiment_id, level, line, at: id });

describe('ownLines', () => {
  it("keeps one experiment's lines, engine output included, with parallel experiments interleaved", () => {
    id = 0;
    const lines = [
      L('Task started'),
      L('[Experiment 1] Status: DEPLOYING', 1),
      L('[Experiment 2] Status: DEPLOYING', 2),
      L('INFO: Uvicorn running on :30001', 1), // engine output, no prefix
      L('INFO: Uvicorn running on :30002', 2),
      L('optimizer: suggesting next batch'),
      L('[Experiment 2] Status: FAILED', 2),
      L('[Experiment 1] mentioned in a task-level line'), // the text never decides
    ];
    expect(ownLines(lines, 1).map((l) => l.line)).toEqual(['[Experiment 1] Status: DEPLOYING', 'INFO: Uvicorn running on :30001']);
    expect(ownLines(lines, 2).map((l) => l.line)).toEqual(['[Experiment 2] Status: DEPLOYING', 'INFO: Uvicorn running on :30002', '[Experiment 2] Status: FAILED']);
  });
});

describe('readAllPages', () => {
  it('asks for pages after the last log_id until a short page', async () => {
    id = 0;
    const all = Array.from({ length: 7 }, (_, i) => L(`line ${i}`, 1));
    const asked: number[] = [];
    const lines = await readAllPages(async (after) => {
      asked.push(after);
      return all.filter((l) => l.log_id > after).slice(0, 3);
    }, 3);
    expect(lines.map((l) => l.line)).toEqual(all.map((l) => l.line));
    expect(asked).toEqual([0, 3, 6]);
  });
  it('stops after one request when the first page is short, and at maxPages', async () => {
    let calls = 0;
    expect(await readAllPages(async () => (calls++, []), 10)).toEqual([]);
    expect(calls).toBe(1);
    const full = await readAllPages(async (after) => [L('x'), { ...L('y'), log_id: after + 100 }], 2, 3);
    expect(full).toHaveLength(6);
  });
});

describe('logText', () => {
  it('writes one line per log line with time and level', () => {
    expect(logText([{ task_id: 1, log_id: 1, experiment_id: 2, level: 'info', line: '[Experiment 2] Status: DEPLOYING', at: 0 }])).toBe(
      '1970-01-01T00:00:00.000Z INFO    [Experiment 2] Status: DEPLOYING\n',
    );
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
