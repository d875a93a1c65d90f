/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The UI is served by `autotuner serve --web-root web/dist`; in dev, /api goes to AUTOTUNER_URL (or the mock).
export default defineConfig({
  plugins: [react()],
  base: './',
  server: {
    proxy: { '/api': { target: process.env.AUTOTUNER_URL ?? 'http://127.0.0.1:8080', changeOrigin: true } },
  },
  build: {
    chunkSizeWarningLimit: 500,
    rollupOptions: {
      output: {
        manualChunks(id: string) {
          if (id.includes('node_modules')) {
            if (/recharts|d3-|victory|decimal\.js|es-toolkit|immer|redux|reselect/.test(id)) return 'recharts';
            if (/[\\/]yaml[\\/]/.test(id)) return 'yaml';
            if (/react-dom|scheduler|[\\/]react[\\/]/.test(id)) return 'react';
          }
          return undefined;
        },
      },
    },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test-setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
