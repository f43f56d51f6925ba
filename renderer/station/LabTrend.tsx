import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

export interface LabPoint {
  t: number;
  value: number;
  low: number | null;
  high: number | null;
}

/** One LOINC code over time, with its reference range drawn as a shaded band. */
export function LabTrend({ title, unit, points }: { title: string; unit: string; points: LabPoint[] }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const low = points.find((p) => p.low !== null)?.low ?? null;
    const high = points.find((p) => p.high !== null)?.high ?? null;
    const data: uPlot.AlignedData = [points.map((p) => p.t), points.map((p) => p.value)];
    const plot = new uPlot(
      {
        width: 300,
        height: 150,
        legend: { show: false },
        // One result alone would stretch the axis over years: show a day around it.
        scales: { x: { time: true, range: (_u, min, max) => (min === max ? [min - 43_200, max + 43_200] : [min, max]) } },
        axes: [{ stroke: '#333' }, { stroke: '#333', label: unit, size: 50 }],
        series: [{}, { label: title, stroke: '#0b5394', width: 2, points: { show: true, size: 6 } }],
        hooks: {
          drawClear: [
            (u) => {
              if (low === null && high === null) return;
              const ctx = u.ctx;
              const top = u.valToPos(high ?? (u.scales.y?.max ?? 0), 'y', true);
              const bottom = u.valToPos(low ?? (u.scales.y?.min ?? 0), 'y', true);
              ctx.save();
              ctx.fillStyle = 'rgba(56, 142, 60, 0.15)';
              ctx.fillRect(u.bbox.left, Math.min(top, bottom), u.bbox.width, Math.abs(bottom - top));
              ctx.restore();
            },
          ],
        },
      },
      data,
      el.current,
    );
    return () => plot.destroy();
  }, [title, unit, points]);
  const low = points.find((p) => p.low !== null)?.low;
  const high = points.find((p) => p.high !== null)?.high;
  return (
    <figure className="trend" data-testid="lab-trend">
      <figcaption>
        {title}
        {low != null || high != null ? <span className="muted"> · reference {low ?? ''}–{high ?? ''} {unit}</span> : null}
      </figcaption>
      <div ref={el} role="img" aria-label={`${title}: ${points.map((p) => p.value).join(', ')} ${unit}`} />
    </figure>
  );
}
