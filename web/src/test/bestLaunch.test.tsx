import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BestLaunch } from '../components/BestLaunch';
import type { BestConfiguration } from '../lib/types';
import { jsonResponse, mockFetch } from './fakes';

afterEach(() => {
  vi.unstubAllGlobals();
});

const shell = "HF_HUB_OFFLINE=1 autotuner-sim --flavor sglang --served-model-name 'my model' --mem-fraction-static 0.8";
const best: BestConfiguration = {
  experiment: {
    id: 17, task_id: 3, experiment_id: 2, status: 'success', parameters: { 'mem-fraction-static': 0.8 }, score: -1500,
    feasible: true, metrics: {}, error_class: '', error_message: '', transitions: [], created_at: 1,
  },
  objective: 'maximize_throughput',
  runtime: 'sim-sglang',
  launch: {
    argv: ['autotuner-sim'], shell, env: { HF_HUB_OFFLINE: '1' },
    docker: 'docker run --rm --network host localhost/autotuner-sim:latest', manifest: null, config_file: null,
  },
  engine_launch: { runtime: 'sglang', shell: 'python3 -m sglang.launch_server --mem-fraction-static 0.8', docker: 'docker run --rm --gpus 1 lmsysorg/sglang' },
  baseline: { text: '+50% tok/s/GPU vs defaults' },
};

describe('BestLaunch', () => {
  it('shows the best launch command from /api/tasks/{id}/best and copies it', async () => {
    const { calls } = mockFetch({ 'GET /api/tasks/3/best': best });
    const writeText = vi.fn(async () => undefined);
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    render(<BestLaunch taskId={3} bestExperimentId={17} />);
    await waitFor(() => expect(screen.getByTestId('best-command').textContent).toBe(shell));
    expect(calls.map((c) => c.url)).toEqual(['/api/tasks/3/best']);
    expect(screen.getByTestId('best-engine-command').textContent).toContain('sglang.launch_server');
    expect(screen.getByText('+50% tok/s/GPU vs defaults')).toBeTruthy();

    fireEvent.click(screen.getByLabelText('Copy the best launch command'));
    await waitFor(() => expect(screen.getAllByText('Copied').length).toBe(1));
    expect(writeText).toHaveBeenCalledWith(shell);

    fireEvent.click(screen.getByText('docker'));
    expect(screen.getByTestId('best-command').textContent).toBe(best.launch.docker);
    expect(screen.getByTestId('best-engine-command').textContent).toBe(best.engine_launch?.docker);
  });

  it('says when copying fails', async () => {
    mockFetch({ 'GET /api/tasks/3/best': best });
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText: vi.fn(async () => Promise.reject(new Error('denied'))) } });
    render(<BestLaunch taskId={3} bestExperimentId={17} />);
    fireEvent.click(await screen.findByLabelText('Copy the best launch command'));
    expect(await screen.findByText(/Copy failed/)).toBeTruthy();
  });

  it('shows nothing while no experiment is feasible, without asking the server', () => {
    const { calls } = mockFetch({});
    const { container } = render(<BestLaunch taskId={3} bestExperimentId={null} />);
    expect(container.innerHTML).toBe('');
    expect(calls).toEqual([]);
  });

  it('treats a 404 as nothing feasible and other errors as worth a banner', async () => {
    mockFetch({ 'GET /api/tasks/3/best': jsonResponse(404, { error: { code: 404, type: 'not_found', message: 'none' } }) });
    const { container, unmount } = render(<BestLaunch taskId={3} bestExperimentId={17} />);
    await new Promise((r) => setTimeout(r, 20));
    expect(container.innerHTML).toBe('');
    unmount();
    mockFetch({ 'GET /api/tasks/3/best': jsonResponse(500, { error: { code: 500, type: 'internal', message: 'store broke' } }) });
    render(<BestLaunch taskId={3} bestExperimentId={17} />);
    expect(await screen.findByText(/store broke/)).toBeTruthy();
  });
});
