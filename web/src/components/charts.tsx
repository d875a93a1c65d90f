// Everything that draws with Recharts lives here, loaded on demand (its own chunk).
import { useMemo } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Legend,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
  ZAxis,
} from 'recharts';
import type { Experiment } from '../lib/types';
import { parameterDiff } from '../lib/diff';
import { fmtNumber } from '../lib/format';
import { axisOptions, scatterData, subRoundPoints, type ScatterDatum } from '../lib/stats';
import { resolveAxis, saveAxes, type Axes } from '../lib/axes';
import { paretoPoints, sensitivity } from '../lib/analysis';
import { experimentLabel } from '../lib/labels';
import { directionLabel, fmtObjective, objectiveValue, taskObjective } from '../lib/objective';

const GREEN = '#16a34a';
const BLUE = '#2563eb';
const GREY = '#9ca3af';

interface ChartProps {
  experiments: Experiment[];
  best: Experiment | null;
  hovered: number | null;
  setHovered: (id: number | null) => void;
}

interface BarDatum {
  id: number;
  label: string;
  /** The objective in its own unit (the score for a server that sends none). */
  value: number;
  exp: Experiment;
}

/** The bar chart's tooltip: every tuned parameter, differences from the best highlighted, ⭐ on the best. */
export function DiffTooltip({ exp, best }: { exp: Experiment; best: Experiment | null }) {
  const isBest = best != null && best.id === exp.id;
  const lines = parameterDiff(exp.parameters ?? {}, isBest ? null : (best?.parameters ?? null));
  return (
    <div className="chart-tooltip" data-testid="diff-tooltip">
      <div>
        <b>
          Experiment #{exp.experiment_id} {isBest && '⭐ best'}
        </b>
      </div>
      {exp.objective && (
        <div data-testid="tooltip-objective">
          {exp.objective.name}: {fmtObjective(exp.objective)}
        </div>
      )}
      {exp.slo_penalty != null && exp.slo_penalty > 0 && <div>SLO penalty: {fmtNumber(exp.slo_penalty)}</div>}
      <div className="muted">score: {fmtNumber(exp.score)}</div>
      {lines.map((l) => (
        <div key={l.key} className={l.differs ? 'diff' : ''} data-differs={l.differs}>
          {l.text}
        </div>
      ))}
    </div>
  );
}

export function ScoreBarChart({ experiments, best, hovered, setHovered }: ChartProps) {
  const objective = taskObjective(experiments);
  const data: BarDatum[] = [];
  for (const e of experiments) {
    const value = objective ? objectiveValue(e) : e.score;
    if (typeof value !== 'number' || !Number.isFinite(value) || e.feasible === false) continue;
    data.push({ id: e.id, label: experimentLabel(e, best), value, exp: e });
  }
  if (!data.length) return <div className="empty">No scored experiment yet.</div>;
  // The unit and direction only: the metric's name would not fit along the axis (the heading names it).
  const axisLabel = objective ? directionLabel(objective) : 'score (lower is better)';
  return (
    <div data-testid="score-chart" data-objective={objective?.name ?? ''} style={{ width: '100%', height: 280 }}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 10, right: 10, bottom: 5, left: 10 }} onMouseLeave={() => setHovered(null)}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" />
          {/* Bars grow from 0, so their lengths compare; objective values are never negative. */}
          <YAxis tickFormatter={(v: number) => fmtNumber(v, 3)} width={70} domain={objective ? [0, 'auto'] : ['auto', 'auto']} label={{ value: axisLabel, angle: -90, position: 'insideLeft', style: { fontSize: 11 } }} />
          <Tooltip
            cursor={{ fill: 'rgba(37,99,235,0.08)' }}
            content={({ active, payload }) => {
              const d = payload?.[0]?.payload as BarDatum | undefined;
              return active && d ? <DiffTooltip exp={d.exp} best={best} /> : null;
            }}
          />
          <Bar dataKey="value" isAnimationActive={false} onMouseEnter={(_: unknown, i: number) => setHovered(data[i]?.id ?? null)}>
            {data.map((d) => (
              <Cell key={d.id} fill={best?.id === d.id ? GREEN : hovered === d.id ? BLUE : d.exp.kind === 'baseline' ? '#f59e0b' : GREY} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
      {objective && <div className="muted small">Bars: {directionLabel(objective)} · infeasible experiments left out · <span style={{ color: '#f59e0b' }}>■</span> baseline (engine defaults)</div>}
    </div>
  );
}

export function SubRoundScatter({ experiments, best, hovered, setHovered, axes, setAxes }: ChartProps & { axes: Axes; setAxes: (a: Axes) => void }) {
  const points = useMemo(() => subRoundPoints(experiments), [experiments]);
  const options = useMemo(() => axisOptions(points), [points]);
  const x = resolveAxis(axes.x, options, 1);
  const y = resolveAxis(axes.y, options, 0);
  const change = (next: Axes) => {
    saveAxes(next);
    setAxes(next);
  };
  const data = scatterData(points, x, y, best?.id ?? null, hovered);
  const color = { best: GREEN, hovered: BLUE, other: GREY };
  return (
    <div>
      <div className="row">
        <label className="inline">
          X
          <select aria-label="x axis" value={x} onChange={(e) => change({ x: e.target.value, y })}>
            {options.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        </label>
        <label className="inline">
          Y
          <select aria-label="y axis" value={y} onChange={(e) => change({ x, y: e.target.value })}>
            {options.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        </label>
        <span className="muted small">
          {points.length} runs · <span style={{ color: GREEN }}>● best</span> <span style={{ color: BLUE }}>● hovered</span> <span style={{ color: GREY }}>● others</span>
        </span>
      </div>
      {points.length === 0 ? (
        <div className="empty">No benchmark run yet.</div>
      ) : (
        <div data-testid="scatter-chart" style={{ width: '100%', height: 320 }}>
          <ResponsiveContainer width="100%" height="100%">
            <ScatterChart margin={{ top: 10, right: 20, bottom: 20, left: 10 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis type="number" dataKey="x" name={x} tickFormatter={(v: number) => fmtNumber(v, 3)} label={{ value: x, position: 'insideBottom', offset: -10, style: { fontSize: 11 } }} domain={['auto', 'auto']} />
              <YAxis type="number" dataKey="y" name={y} tickFormatter={(v: number) => fmtNumber(v, 3)} width={70} label={{ value: y, angle: -90, position: 'insideLeft', style: { fontSize: 11 } }} domain={['auto', 'auto']} />
              <ZAxis range={[50, 50]} />
              <Tooltip
                content={({ active, payload }) => {
                  const d = payload?.[0]?.payload as ScatterDatum | undefined;
                  if (!active || !d) return null;
                  return (
                    <div className="chart-tooltip">
                      <b>Experiment #{d.n}</b>
                      <div>
                        {d.scenario} · concurrency {d.conc}
                      </div>
                      <div>
                        {x}: {fmtNumber(d.x)}
                      </div>
                      <div>
                        {y}: {fmtNumber(d.y)}
                      </div>
                    </div>
                  );
                }}
              />
              <Scatter
                data={data}
                isAnimationActive={false}
                shape={(props: unknown) => {
                  const { cx, cy, payload } = props as { cx: number; cy: number; payload: ScatterDatum };
                  return <circle cx={cx} cy={cy} r={4} fill={color[payload.role]} data-testid="scatter-point" data-experiment={payload.n} />;
                }}
                onMouseEnter={(d: unknown) => setHovered((d as { payload?: ScatterDatum })?.payload?.id ?? (d as { id?: number })?.id ?? null)}
                onMouseLeave={() => setHovered(null)}
              />
            </ScatterChart>
          </ResponsiveContainer>
        </div>
      )}
    </div>
  );
}

export function ParetoChart({ experiments, best }: { experiments: Experiment[]; best: Experiment | null }) {
  const pts = paretoPoints(experiments);
  if (!pts.length) return <div className="empty">No successful experiment with throughput and latency yet.</div>;
  const front = pts.filter((p) => p.onFront).sort((a, b) => a.throughput - b.throughput).map((p) => ({ x: p.throughput, y: p.latency, n: p.experiment.experiment_id }));
  const rest = pts.filter((p) => !p.onFront).map((p) => ({ x: p.throughput, y: p.latency, n: p.experiment.experiment_id }));
  return (
    <div>
      <div data-testid="pareto-chart" style={{ width: '100%', height: 340 }}>
        <ResponsiveContainer width="100%" height="100%">
          <ScatterChart margin={{ top: 10, right: 20, bottom: 20, left: 10 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis type="number" dataKey="x" name="mean_total_throughput" tickFormatter={(v: number) => fmtNumber(v, 3)} label={{ value: 'mean total throughput (tok/s)', position: 'insideBottom', offset: -10, style: { fontSize: 11 } }} domain={['auto', 'auto']} />
            <YAxis type="number" dataKey="y" name="mean_e2e_latency" tickFormatter={(v: number) => fmtNumber(v, 3)} width={70} label={{ value: 'mean e2e latency (s)', angle: -90, position: 'insideLeft', style: { fontSize: 11 } }} domain={['auto', 'auto']} />
            <ZAxis range={[60, 60]} />
            <Tooltip
              content={({ active, payload }) => {
                const d = payload?.[0]?.payload as { n: number; x: number; y: number } | undefined;
                return active && d ? (
                  <div className="chart-tooltip">
                    <b>
                      #{d.n}
                      {best?.experiment_id === d.n ? ' ⭐' : ''}
                    </b>
                    <div>throughput {fmtNumber(d.x)} tok/s</div>
                    <div>latency {fmtNumber(d.y)} s</div>
                  </div>
                ) : null;
              }}
            />
            <Legend verticalAlign="top" />
            <Scatter name="dominated" data={rest} fill={GREY} isAnimationActive={false} />
            <Scatter name="Pareto front" data={front} fill={GREEN} line={{ stroke: GREEN }} isAnimationActive={false} />
          </ScatterChart>
        </ResponsiveContainer>
      </div>
      <div className="muted small">Front: {front.map((f) => `#${f.n}`).join(', ')} (higher throughput and lower latency are better)</div>
    </div>
  );
}

export function SensitivityView({ experiments }: { experiments: Experiment[] }) {
  const rows = sensitivity(experiments);
  if (!rows.length) return <div className="empty">No scored experiment yet.</div>;
  return (
    <div className="grid" data-testid="sensitivity">
      {rows.map((r) => (
        <div key={r.parameter} className="card">
          <h3>
            {r.parameter} <span className="muted small">spread {fmtNumber(r.spread)}</span>
          </h3>
          <div style={{ width: '100%', height: 180 }}>
            <ResponsiveContainer width="100%" height="100%">
              <BarChart data={r.values} margin={{ top: 5, right: 5, bottom: 5, left: 5 }}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="value" />
                <YAxis tickFormatter={(v: number) => fmtNumber(v, 3)} width={60} />
                <Tooltip formatter={(v) => fmtNumber(Number(v))} />
                <Bar dataKey="mean" name="mean score" fill={BLUE} isAnimationActive={false} />
                <Bar dataKey="best" name="best score" fill={GREEN} isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </div>
        </div>
      ))}
    </div>
  );
}
