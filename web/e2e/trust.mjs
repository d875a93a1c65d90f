#!/usr/bin/env node
// Browser end-to-end checks of results a tuning engineer can trust (issue 18), against a running `autotuner serve`
// (AUTOTUNER_URL) with the simulator: a maximize-throughput study shows tok/s/GPU, positive and from a 0 axis,
// with the best equal to the API's; a study whose every experiment fails says "no feasible configuration" with
// its failure classes and whole error messages. Short studies (1 s benchmarks). Screenshots prefixed trust-.
//   AUTOTUNER_URL=http://127.0.0.1:8080 node e2e/trust.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE, TIMEOUT, api, launchBrowser, recorder, waitFor, watchErrors } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.resolve(process.env.E2E_ARTIFACTS ?? path.join(here, 'artifacts'));
const { results, step, screenshot, shots, t0 } = recorder(ARTIFACTS, 'trust-');
const pageErrors = [];
const browser = await launchBrowser();
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
page.setDefaultTimeout(20000);
watchErrors(page, pageErrors);

const stamp = new Date().toISOString().replace(/[-:T.Z]/g, '').slice(4, 14);
const task = (name, objective, parameters) => ({
  task_name: name,
  base_runtime: 'sim-sglang',
  model: { id_or_path: 'meta-llama/Llama-3.2-1B-Instruct' },
  hardware: { gpu_type: 'H100', num_gpus: 1 },
  parameters,
  optimization: { strategy: 'grid_search', objective, max_iterations: 2, timeout_per_iteration: 60, baseline: false },
  benchmark: { model_tokenizer: 'gpt2', traffic_scenarios: ['D(100,100)'], num_concurrency: [4], max_time_per_iteration: 1, max_requests_per_iteration: 20 },
});

async function runToEnd(doc) {
  const created = await api('/api/tasks', { method: 'POST', body: JSON.stringify(doc) });
  if (created.status !== 201) throw new Error(`create ${doc.task_name}: ${created.status} ${JSON.stringify(created.body)}`);
  const id = created.body.id;
  const started = await api(`/api/tasks/${id}/start`, { method: 'POST' });
  if (started.status !== 202) throw new Error(`start: ${started.status} ${JSON.stringify(started.body)}`);
  return waitFor(async () => {
    const t = (await api(`/api/tasks/${id}`)).body;
    return ['completed', 'failed', 'cancelled'].includes(t.status) ? t : null;
  }, `${doc.task_name} to finish`, TIMEOUT, 300);
}

let exitCode = 0;
try {
  await step('maximize throughput: tok/s/GPU, positive, axis from 0, best equal to the API', async () => {
    const t = await runToEnd(task(`trust-max-${stamp}`, 'maximize_throughput', { 'mem-fraction-static': [0.8, 0.9] }));
    if (t.status !== 'completed') throw new Error(`study ended ${t.status} (${t.stop_reason})`);
    const best = t.summary.best_objective;
    if (!(best?.unit === 'tok/s/GPU' && best.value > 0 && best.higher_is_better)) throw new Error(`best_objective ${JSON.stringify(best)}`);
    await page.goto(`${BASE}/#/tasks/${t.id}`);
    await page.locator('[data-testid=score-chart][data-objective=maximize_throughput] .recharts-bar-rectangle').first().waitFor();
    // Recharts 3 draws tick labels in a z-index layer of their own, outside the axis group.
    const ticks = (await page.locator('[data-testid=score-chart] .recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value').allTextContents()).map(Number);
    if (!ticks.length || Math.min(...ticks) !== 0 || ticks.some((v) => v < 0)) throw new Error(`y axis ticks ${ticks.join(' ')}`);
    const label = await page.locator('[data-testid=score-chart] .recharts-label').first().textContent();
    if (!/tok\/s\/GPU, higher is better/.test(label)) throw new Error(`axis label "${label}"`);
    const cells = await page.locator('[data-testid=objective-cell]').allTextContents();
    if (cells.length !== 2 || cells.some((c) => !/^\d+(\.\d+)? tok\/s\/GPU$/.test(c))) throw new Error(`objective cells ${cells.join(' | ')}`);
    const shown = await page.locator('[data-testid=best-score]').innerText();
    const apiBest = (await api(`/api/tasks/${t.id}/best`)).body.experiment;
    const expected = `${cells[apiBest.experiment_id - 1]} (#${apiBest.experiment_id})`;
    if (shown.trim() !== expected) throw new Error(`best box "${shown}", expected "${expected}"`);
    await page.locator('[data-testid=score-chart] .recharts-bar-rectangle').first().hover();
    const tip = await page.locator('[data-testid=tooltip-objective]').innerText();
    if (!/maximize_throughput: \d.* tok\/s\/GPU/.test(tip)) throw new Error(`tooltip "${tip}"`);
    await screenshot(page, 'maximize-results');
    return { best: shown, ticks, cells };
  });

  await step('every experiment failed: "no feasible configuration" with its failure classes', async () => {
    const t = await runToEnd(task(`trust-fail-${stamp}`, 'minimize_latency', { 'mem-fraction-static': [0.8, 0.9], 'sim-fault-crash-at-start': [true] }));
    if (t.summary.outcome !== 'no_feasible_configuration') throw new Error(`outcome ${t.summary.outcome}`);
    await page.goto(`${BASE}/#/tasks/${t.id}`);
    const status = page.locator('[data-testid=task-status]');
    await waitFor(async () => (await status.innerText()).trim() === 'no feasible configuration', 'the no-feasible badge');
    const banner = await page.locator('[data-testid=no-feasible]').innerText();
    const classes = Object.keys(t.summary.failures);
    if (!classes.length || classes.some((c) => !banner.includes(c))) throw new Error(`banner "${banner}" lacks ${classes.join(',')}`);
    const experiments = (await api(`/api/tasks/${t.id}/experiments`)).body.items;
    const errors = await page.locator('[data-testid=error-cell]').allTextContents();
    for (const e of experiments) {
      const whole = `${e.error_class}${e.error_message ? `: ${e.error_message}` : ''}`;
      if (!errors.includes(whole)) throw new Error(`error column cut: ${JSON.stringify(errors)} vs ${JSON.stringify(whole)}`);
    }
    await screenshot(page, 'all-failed');
    await page.goto(`${BASE}/#/tasks`);
    await page.locator(`[data-testid="task-row-${t.name}"] [data-status=no_feasible_configuration]`).waitFor();
    await screenshot(page, 'tasks-list');
    return { status: t.status, failures: t.summary.failures };
  });

  await step('no page errors', async () => {
    if (pageErrors.length) throw new Error(pageErrors.slice(0, 5).join(' | '));
  });
} catch {
  exitCode = 1;
  await screenshot(page, 'failure').catch(() => undefined);
} finally {
  await browser.close();
  const summary = { base: BASE, ok: exitCode === 0, seconds: (Date.now() - t0) / 1000, page_errors: pageErrors, steps: results };
  fs.writeFileSync(path.join(ARTIFACTS, 'trust-summary.json'), JSON.stringify(summary, null, 2));
  console.log(`e2e trust ${exitCode === 0 ? 'PASSED' : 'FAILED'}: ${results.filter((r) => r.ok).length}/${results.length} steps, ${shots()} screenshots`);
  process.exit(exitCode);
}
