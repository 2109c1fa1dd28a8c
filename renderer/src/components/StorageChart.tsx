/**
 * Storage over time: how full flux, time and space were over the last days, as a uPlot line chart of each drive's
 * used share (as df counts it: used of used + available), and the trend in words. Shares, not bytes, so a 1 TB
 * flux and an 8 TB space read on one axis, and 100 % is "full".
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { StorageHistory, StorageSample } from '../../../contract/storage.js';
import { formatBytes } from '../format.js';

const COLOURS: Record<StorageSample['role'], string> = { flux: '#0b57d0', time: '#8a5a00', space: '#1e7b34' };
const ROLES: StorageSample['role'][] = ['flux', 'time', 'space'];

/**
 * Aligns the samples on one time axis (seconds) with one column per role of the percentage used; a role not
 * measured at a time is null there, which uPlot bridges with `spanGaps`.
 */
export function chartData(samples: readonly StorageSample[]): {
  roles: StorageSample['role'][];
  data: uPlot.AlignedData;
} {
  const roles = ROLES.filter((r) => samples.some((s) => s.role === r));
  const times = [...new Set(samples.map((s) => Math.floor(Date.parse(s.at) / 1000)))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const columns = roles.map(() => times.map(() => null as number | null));
  for (const s of samples) {
    const r = roles.indexOf(s.role);
    const writable = s.usedBytes + s.availableBytes;
    columns[r]![index.get(Math.floor(Date.parse(s.at) / 1000))!] = writable > 0 ? (100 * s.usedBytes) / writable : null;
  }
  return { roles, data: [times, ...columns] as uPlot.AlignedData };
}

/**
 * The time axis: the whole window the history covers (its days up to now), so one sample or a few sit at the right
 * end of a sensible span instead of uPlot stretching a single point over years.
 */
export function timeRange(times: ArrayLike<number>, days: number, nowSec: number): [number, number] {
  const first = times.length > 0 ? times[0]! : nowSec;
  const last = times.length > 0 ? times[times.length - 1]! : nowSec;
  return [Math.min(first, nowSec - days * 86_400), Math.max(last, nowSec)];
}

function newest(samples: readonly StorageSample[], role: StorageSample['role']): StorageSample | undefined {
  return samples.filter((s) => s.role === role).at(-1);
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
      series: [
        {},
        ...roles.map((r) => ({
          label: `${r} (${formatBytes(newest(history.samples, r)?.sizeBytes)})`,
          stroke: COLOURS[r],
          width: 2,
          spanGaps: true,
          points: { show: data[0].length < 40 },
        })),
      ],
      axes: [{}, { size: 56, values: (_u, vals) => vals.map((v) => `${v} %`) }],
      scales: {
        x: { time: true, range: () => timeRange(data[0], history.days, Date.now() / 1000) },
        y: { range: [0, 100] },
      },
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
  if (history.samples.length === 0)
    return (
      <p className="muted">No usage measured yet: the helper samples each drive daily and after each graduation.</p>
    );
  return (
    <figure className="storage-figure">
      <div
        ref={box}
        className="storage-chart"
        role="img"
        aria-label={`How full each drive was over the last ${history.days} days. ${history.summary}`}
        data-samples={history.samples.length}
      />
      <figcaption className="storage-summary">{history.summary}</figcaption>
    </figure>
  );
}
