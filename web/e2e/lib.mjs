// Helpers shared by the browser end-to-end specs (run.mjs, trust.mjs): steps with timings, screenshots,
// polling, the REST API and Debian's Chromium through playwright-core.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const BASE = (process.env.AUTOTUNER_URL ?? '').replace(/\/$/, '');
if (!BASE) {
  console.error('AUTOTUNER_URL is not set (e.g. http://127.0.0.1:8080)');
  process.exit(2);
}
export const TIMEOUT = Number(process.env.E2E_TIMEOUT_S ?? 240) * 1000;

/** The spec's record: `step` runs and times one check, `screenshot` numbers full-page shots in `artifacts`. */
export function recorder(artifacts, prefix = '') {
  fs.mkdirSync(artifacts, { recursive: true });
  const t0 = Date.now();
  const results = [];
  let shot = 0;
  const log = (...a) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
  return {
    t0,
    results,
    log,
    shots: () => shot,
    async step(name, fn) {
      const start = Date.now();
      try {
        const detail = await fn();
        results.push({ step: name, ok: true, ms: Date.now() - start, detail });
        log(`ok   ${name}${detail ? ` — ${typeof detail === 'string' ? detail : JSON.stringify(detail)}` : ''}`);
      } catch (e) {
        results.push({ step: name, ok: false, ms: Date.now() - start, error: String(e?.message ?? e) });
        log(`FAIL ${name}: ${e?.message ?? e}`);
        throw e;
      }
    },
    async screenshot(page, name) {
      const file = path.join(artifacts, `${prefix}${String(++shot).padStart(2, '0')}-${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
  };
}

export async function waitFor(cond, what, timeout = 30000, interval = 200) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try {
      last = await cond();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

export async function api(pathname, init = {}) {
  const headers = { 'Content-Type': 'application/json', ...(process.env.AUTOTUNER_TOKEN ? { Authorization: `Bearer ${process.env.AUTOTUNER_TOKEN}` } : {}) };
  const res = await fetch(`${BASE}${pathname}`, { ...init, headers });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: !process.env.E2E_HEADFUL,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}

/** Collects uncaught page errors and console errors (network noise of closed streams left out). */
export function watchErrors(page, into) {
  page.on('pageerror', (e) => into.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/EventSource|ERR_|net::|Failed to load resource/.test(m.text())) into.push(`console: ${m.text()}`);
  });
}
