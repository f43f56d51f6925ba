import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';

export interface LabPoint {
  t: number;
  value: number;
  low: number | null;
  high: number | null;
}

const stamp = (t: number) => new Date(t * 1000).toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

/** Pads a value range by a tenth (a flat series by a tenth of its value) so points sit inside the frame. */
function fit(min: number, max: number): [number, number] {
  const span = max - min || Math.abs(max) * 0.2 || 1;
  return [min - span * 0.15, max + span * 0.15];
}

/**
 * One test over time, compact: the reference range as a shaded band, points outside it in red,
 * axes fitted to the data (one result alone shows the day around it), and a readout of the point
 * under the pointer (time, value, unit).
 */
export function LabTrend({ title, unit, points, width = 250, height = 96 }: { title: string; unit: string; points: LabPoint[]; width?: number; height?: number }) {
  const el = useRef<HTMLDivElement>(null);
  const [readout, setReadout] = useState<string | null>(null);
  const low = points.find((p) => p.low !== null)?.low ?? null;
  const high = points.find((p) => p.high !== null)?.high ?? null;
  useEffect(() => {
    if (!el.current) return;
    const data: uPlot.AlignedData = [points.map((p) => p.t), points.map((p) => p.value)];
    const out = (v: number) => (low !== null && v < low) || (high !== null && v > high);
    const plot = new uPlot(
      {
        width,
        height,
        legend: { show: false },
        cursor: { points: { size: 8 }, drag: { x: false, y: false } },
        scales: {
          x: { time: true, range: (_u, min, max) => (min === max ? [min - 43_200, max + 43_200] : [min - (max - min) * 0.04, max + (max - min) * 0.04]) },
          y: { range: (_u, min, max) => fit(min, max) },
        },
        axes: [
          {
            stroke: '#333',
            size: 22,
            font: '11px system-ui',
            ticks: { size: 3 },
            // Day and month only: a year or a time of day does not fit a compact trend.
            values: (_u, splits) => splits.map((s) => new Date(s * 1000).toLocaleDateString('en-GB', { day: 'numeric', month: 'short' })),
          },
          { stroke: '#333', size: 40, font: '11px system-ui', ticks: { size: 3 } },
        ],
        series: [{}, { label: title, stroke: '#0b5394', width: 1.5, points: { show: true, size: 5 } }],
        hooks: {
          drawClear: [
            (u) => {
              if (low === null && high === null) return;
              const ctx = u.ctx;
              const top = u.valToPos(Math.min(high ?? Infinity, u.scales.y?.max ?? 0), 'y', true);
              const bottom = u.valToPos(Math.max(low ?? -Infinity, u.scales.y?.min ?? 0), 'y', true);
              if (bottom <= top) return;
              ctx.save();
              ctx.fillStyle = 'rgba(56, 142, 60, 0.15)';
              ctx.fillRect(u.bbox.left, top, u.bbox.width, bottom - top);
              ctx.restore();
            },
          ],
          draw: [
            (u) => {
              const ctx = u.ctx;
              ctx.save();
              ctx.fillStyle = '#b91c1c';
              for (const p of points) {
                if (!out(p.value)) continue;
                ctx.beginPath();
                ctx.arc(u.valToPos(p.t, 'x', true), u.valToPos(p.value, 'y', true), 4 * devicePixelRatio, 0, 2 * Math.PI);
                ctx.fill();
              }
              ctx.restore();
            },
          ],
          setCursor: [
            (u) => {
              const i = u.cursor.idx;
              const p = i === null || i === undefined ? undefined : points[i];
              setReadout(p ? `${stamp(p.t)}: ${p.value} ${unit}${out(p.value) ? ' (out of range)' : ''}` : null);
            },
          ],
        },
      },
      data,
      el.current,
    );
    return () => plot.destroy();
  }, [title, unit, points, low, high, width, height]);
  const last = points[points.length - 1];
  return (
    <figure className="trend" data-testid="lab-trend">
      <figcaption>
        <span className="trend-title">{title}</span>{' '}
        <span className="trend-readout" data-testid="trend-readout" aria-live="polite">
          {readout ?? (last ? `latest ${last.value} ${unit}` : '')}
        </span>
      </figcaption>
      <div ref={el} role="img" aria-label={`${title}: ${points.map((p) => `${p.value}`).join(', ')} ${unit}${low !== null || high !== null ? `; reference ${low ?? ''}–${high ?? ''}` : ''}`} />
    </figure>
  );
}
