import '@testing-library/react';
import { afterEach } from 'vitest';
import { cleanup } from '@testing-library/react';
import { resetEvents } from './lib/events';

afterEach(() => {
  cleanup();
  // The tab's event hub is a module singleton: drop it so the next test's EventSource (fake) is the one used.
  resetEvents();
  localStorage.clear();
});

// jsdom lacks ResizeObserver (Recharts' ResponsiveContainer uses it).
class RO {
  observe() {}
  unobserve() {}
  disconnect() {}
}
(globalThis as unknown as { ResizeObserver: typeof RO }).ResizeObserver ??= RO;
