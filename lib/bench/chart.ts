// bench/chart.svg: one horizontal bar per ratio, its min–max whisker, the goal as a tick, and a
// line at 1 (parity). Hand-written SVG, no dependencies.
import type { RatioEntry } from './results.js';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Renders the ratios as an SVG document (bars longer than the axis are clipped and marked ›). */
export function ratioChartSvg(ratios: readonly RatioEntry[], title: string): string {
  const shown = ratios.filter((r) => r.value.n > 0 && Number.isFinite(r.value.median));
  const labelW = 540;
  const plotW = 380;
  const rowH = 22;
  const top = 48;
  const width = labelW + plotW + 90;
  const height = top + shown.length * rowH + 36;
  const axisMax = Math.min(3, Math.max(1.25, ...shown.map((r) => Math.max(r.value.median, r.goal?.target ?? 0) * 1.1)));
  const x = (v: number) => labelW + (Math.min(Math.max(v, 0), axisMax) / axisMax) * plotW;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="600">${esc(title)}</text>`,
    `<text x="12" y="38" fill="#555">green: goal met · red: goal missed · grey: no goal · tick: goal · whisker: min–max over repetitions</text>`,
  ];
  for (let t = 0; t <= axisMax + 1e-9; t += 0.5) {
    parts.push(`<line x1="${x(t)}" y1="${top - 4}" x2="${x(t)}" y2="${top + shown.length * rowH}" stroke="${t === 1 ? '#333' : '#ddd'}" stroke-width="${t === 1 ? 1.2 : 1}"/>`);
    parts.push(`<text x="${x(t)}" y="${top + shown.length * rowH + 16}" text-anchor="middle" fill="#555">${t.toFixed(1)}×</text>`);
  }
  shown.forEach((r, i) => {
    const y = top + i * rowH;
    const color = r.met === undefined ? '#9aa0a6' : r.met ? '#2e9d57' : '#d33c3c';
    const v = r.value;
    parts.push(`<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${esc(`${r.model} · ${r.name}`)}</text>`);
    parts.push(`<rect x="${labelW}" y="${y + 4}" width="${Math.max(1, x(v.median) - labelW).toFixed(1)}" height="${rowH - 8}" fill="${color}"/>`);
    if (v.n > 1) parts.push(`<line x1="${x(v.min).toFixed(1)}" y1="${y + rowH / 2}" x2="${x(v.max).toFixed(1)}" y2="${y + rowH / 2}" stroke="#222" stroke-width="1"/>`);
    if (r.goal) parts.push(`<line x1="${x(r.goal.target).toFixed(1)}" y1="${y + 1}" x2="${x(r.goal.target).toFixed(1)}" y2="${y + rowH - 1}" stroke="#000" stroke-width="2"/>`);
    const clipped = v.median > axisMax ? ' ›' : '';
    parts.push(`<text x="${labelW + plotW + 8}" y="${y + 15}">${v.median.toFixed(2)}${clipped}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
