#!/usr/bin/env node
// Browser end-to-end checks of results a tuning engineer can trust (issue 18), against a running `autotuner serve`
// (AUTOTUNER_URL) with the simulator: a maximize-throughput study shows tok/s/GPU, positive and from a 0 axis,
// with the best equal to the API's; a study whose every experiment fails says "no feasible configuration" with
// its failure classes and whole error messages; eight tabs on a live study all load and follow it over one shared
// /api/events stream (SharedWorker). Short studies (1 s benchmarks). Screenshots prefixed trust-.
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

async function create(doc) {
  const created = await api('/api/tasks', { method: 'POST', body: JSON.stringify(doc) });
  if (created.status !== 201) throw new Error(`create ${doc.task_name}: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body.id;
}

async function start(id) {
  const started = await api(`/api/tasks/${id}/start`, { method: 'POST' });
  if (started.status !== 202) throw new Error(`start: ${started.status} ${JSON.stringify(started.body)}`);
}

async function runToEnd(doc) {
  const id = await create(doc);
  await start(id);
  return finished(id, doc.task_name);
}

function finished(id, name) {
  return waitFor(async () => {
    const t = (await api(`/api/tasks/${id}`)).body;
    return ['completed', 'failed', 'cancelled'].includes(t.status) ? t : null;
  }, `${name} to finish`, TIMEOUT, 300);
}

/** What a results or log tab shows: its task status badge (absent while "Loading…"), live indicator, log lines. */
const tabState = (p) =>
  p.evaluate(() => {
    const badge = document.querySelector('[data-testid=task-status]') ?? document.querySelector('h1 + .badge');
    const count = document.querySelector('[data-testid=log-count]')?.textContent ?? '';
    return {
      status: badge?.textContent?.trim() ?? null,
      loading: document.body.innerText.includes('Loading…'),
      live: document.body.innerText.includes('● live'),
      lines: Number(count.split('/')[1]?.trim().split(' ')[0] ?? NaN),
    };
  });

/** How many SharedWorkers of this app the browser runs (Chromium's DevTools targets). */
async function eventWorkers() {
  const cdp = await browser.newBrowserCDPSession();
  const { targetInfos } = await cdp.send('Target.getTargets');
  await cdp.detach();
  return targetInfos.filter((t) => t.type === 'shared_worker' && /eventWorker/.test(t.url)).length;
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

  await step('eight tabs on a live study: all load, all follow it, over one shared event stream', async () => {
    // Before the hub, each page held its own EventSource: past 6 tabs the browser's per-host limit left the 7th
    // on "Loading…". Now the tabs share the SharedWorker's one /api/events connection.
    const id = await create(task(`trust-tabs-${stamp}`, 'minimize_latency', { 'mem-fraction-static': [0.8, 0.9] }));
    const urls = [0, 1, 2, 3].flatMap(() => [`${BASE}/#/tasks/${id}/logs`, `${BASE}/#/tasks/${id}`]);
    const tabs = [];
    let tabStreams = 0; // /api/events requests made by the tabs themselves (a SharedWorker's are not reported to pages)
    for (const url of urls) {
      const p = await context.newPage();
      p.setDefaultTimeout(20000);
      watchErrors(p, pageErrors);
      p.on('request', (r) => new URL(r.url()).pathname === '/api/events' && tabStreams++);
      await p.goto(url);
      tabs.push(p);
    }
    try {
      const all = (what, ok, timeout = 20000) =>
        waitFor(async () => {
          const states = await Promise.all(tabs.map(tabState));
          return states.every(ok) ? states : null;
        }, what, timeout, 250);
      await all('every tab loaded and live on the pending study', (s) => s.status === 'pending' && !s.loading && s.live);
      const workers = await eventWorkers();
      await start(id);
      // No polling on these pages: the status can only change through the stream.
      await all('every tab to see the study start', (s) => s.status && s.status !== 'pending');
      await all('every log tab to receive live lines', (s) => Number.isNaN(s.lines) || s.lines > 0);
      const t = await finished(id, `trust-tabs-${stamp}`);
      const states = await all(`every tab to show ${t.status}`, (s) => s.status === t.status);
      await screenshot(tabs[tabs.length - 1], 'eight-tabs');
      if (workers !== 1) throw new Error(`${workers} event SharedWorkers, expected 1`);
      if (tabStreams > 2) throw new Error(`${tabStreams} /api/events connections from the tabs, expected at most 2`);
      return { tabs: tabs.length, event_workers: workers, tab_event_streams: tabStreams, final: states.map((s) => s.status).join(',') };
    } finally {
      await Promise.all(tabs.map((p) => p.close().catch(() => undefined)));
    }
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
