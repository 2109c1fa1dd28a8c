/** Storage over time: flux, time and space used over the last days as a uPlot line chart, and the trend in words. */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { StorageHistory, StorageSample } from '../../../contract/storage.js';
import { formatBytes } from '../format.js';

const COLOURS: Record<StorageSample['role'], string> = { flux: '#0b57d0', time: '#8a5a00', space: '#1e7b34' };
const ROLES: StorageSample['role'][] = ['flux', 'time', 'space'];

/**
 * Aligns the samples on one time axis (seconds) with one used-bytes column per role; a role not measured at a
 * time is null there, which uPlot bridges with `spanGaps`.
 */
export function chartData(samples: readonly StorageSample[]): { roles: StorageSample['role'][]; data: uPlot.AlignedData } {
  const roles = ROLES.filter((r) => samples.some((s) => s.role === r));
  const times = [...new Set(samples.map((s) => Math.floor(Date.parse(s.at) / 1000)))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const columns = roles.map(() => times.map(() => null as number | null));
  for (const s of samples) {
    const r = roles.indexOf(s.role);
    columns[r]![index.get(Math.floor(Date.parse(s.at) / 1000))!] = s.usedBytes;
  }
  return { roles, data: [times, ...columns] as uPlot.AlignedData };
}

/** The chart and the sentence; the chart's text alternative is the same sentence. */
export function StorageChart({ history }: { history: StorageHistory | null }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || !history || history.samples.length === 0) return;
    const { roles, data } = chartData(history.samples);
    const opts: uPlot.Options = {
      width: Math.max(320, el.clientWidth),
      height: 260,
      series: [{}, ...roles.map((r) => ({ label: r, stroke: COLOURS[r], width: 2, spanGaps: true, points: { show: data[0].length < 40 }, value: (_u: uPlot, v: number | null) => (v === null ? '—' : formatBytes(v)) }))],
      axes: [{}, { size: 80, values: (_u, vals) => vals.map((v) => formatBytes(v)) }],
      scales: { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      legend: { live: false },
    };
    const plot = new uPlot(opts, data, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(320, el.clientWidth), height: 260 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [history]);
  if (!history) return <p className="muted">Loading the storage history…</p>;
  if (history.samples.length === 0) return <p className="muted">No usage measured yet: the helper samples each drive daily and after each graduation.</p>;
  return (
    <figure className="storage-figure">
      <div ref={box} className="storage-chart" role="img" aria-label={`Used space of each drive over the last ${history.days} days. ${history.summary}`} data-samples={history.samples.length} />
      <figcaption className="storage-summary">{history.summary}</figcaption>
    </figure>
  );
}
