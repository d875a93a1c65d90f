import { useEffect, useState } from 'react';
import { api, ApiError } from '../lib/api';
import type { BestConfiguration } from '../lib/types';

type Format = 'shell' | 'docker';

/** Copies `text`, saying whether it worked (the clipboard needs a secure context and permission). */
function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return (
    <button onClick={copy} aria-label={label}>
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed: select the text' : 'Copy'}
    </button>
  );
}

/**
 * The best configuration as the command that serves it, from GET /api/tasks/{id}/best (the line `autotuner run`
 * prints and `autotuner best` gives). Refetched when the best experiment changes; nothing shown while no
 * experiment is feasible.
 */
export function BestLaunch({ taskId, bestExperimentId }: { taskId: number; bestExperimentId: number | null | undefined }) {
  const [best, setBest] = useState<BestConfiguration | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [format, setFormat] = useState<Format>('shell');

  useEffect(() => {
    let live = true;
    setError(null);
    if (bestExperimentId == null) {
      setBest(null);
      return;
    }
    api
      .get<BestConfiguration>(`/api/tasks/${taskId}/best`)
      .then((b) => live && setBest(b))
      .catch((e: unknown) => {
        if (!live) return;
        setBest(null);
        // 404: nothing feasible (yet); anything else is worth saying.
        if (!(e instanceof ApiError && e.status === 404)) setError(e instanceof Error ? e.message : String(e));
      });
    return () => {
      live = false;
    };
  }, [taskId, bestExperimentId]);

  if (error) return <div className="banner error">Best configuration: {error}</div>;
  if (!best) return null;
  const line = format === 'docker' ? best.launch.docker : best.launch.shell;
  const real = best.engine_launch;
  const realLine = real ? (format === 'docker' ? real.docker : real.shell) : null;
  return (
    <div className="card" data-testid="best-launch">
      <div className="row">
        <h2>Launch the best (#{best.experiment.experiment_id})</h2>
        <span className="spacer" />
        <div className="tabs">
          {(['shell', 'docker'] as const).map((f) => (
            <button key={f} className={format === f ? 'active' : ''} onClick={() => setFormat(f)} disabled={f === 'docker' && !best.launch.docker}>
              {f}
            </button>
          ))}
        </div>
      </div>
      {best.baseline?.text && <p className="muted small">{best.baseline.text}</p>}
      {best.launch.config_file && (
        <div className="muted small">
          Reads {best.launch.config_file.path}:
          <pre>{best.launch.config_file.content}</pre>
        </div>
      )}
      {line && (
        <div className="row">
          <pre data-testid="best-command" style={{ flex: 1, whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
            {line}
          </pre>
          <CopyButton text={line} label="Copy the best launch command" />
        </div>
      )}
      {real && (
        <div>
          <p className="muted small">On the real engine ({real.runtime}):</p>
          {realLine ? (
            <div className="row">
              <pre data-testid="best-engine-command" style={{ flex: 1, whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
                {realLine}
              </pre>
              <CopyButton text={realLine} label="Copy the real engine's launch command" />
            </div>
          ) : (
            <p className="small">{real.error ?? 'no command line'}</p>
          )}
        </div>
      )}
    </div>
  );
}
