/**
 * The finance report as one self-contained HTML page: a bar chart of idle cost and reclaimed savings per month
 * (inline SVG, no script, no font or style from anywhere: a Content-Security-Policy forbids every fetch), the trend
 * table, and the last month address by address. Pure string building over the same figures as report.ts.
 */
import { formatTime, formatUsd } from './alerts-format';
import type { TrendMonth } from './finance';
import type { MonthlyReport } from './ledger';
import { ageText, monthName, type ReportHeader } from './report';

/** Bar colours, fixed: the rendering test looks for them. */
export const CHART_COLORS = { idle: '#d9480f', reclaimed: '#2b8a3e' } as const;

/** Chart geometry (SVG user units, one per CSS pixel). */
export const CHART = { width: 760, height: 320, left: 80, right: 20, top: 20, bottom: 50 } as const;

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/** The smallest "nice" number (1, 2 or 5 × 10^k) at or above `v`, for the chart's top. */
export function niceCeiling(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v - 1e-12) return m * p;
  return 10 * p;
}

/** The bars of one month: where they stand and how tall they are, in whole pixels. */
export interface Bar {
  month: string;
  series: keyof typeof CHART_COLORS;
  value: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where each bar goes: two per month (idle cost, reclaimed), heights proportional to the amounts. */
export function chartBars(trend: readonly TrendMonth[]): { bars: Bar[]; top: number } {
  const plotW = CHART.width - CHART.left - CHART.right;
  const plotH = CHART.height - CHART.top - CHART.bottom;
  const max = Math.max(0, ...trend.flatMap((m) => [m.totals.idleCostUsd, m.totals.reclaimedUsd]));
  const top = niceCeiling(max);
  const group = plotW / Math.max(1, trend.length);
  const barW = Math.max(4, Math.min(40, Math.floor(group * 0.35)));
  const bars: Bar[] = [];
  trend.forEach((m, i) => {
    const center = CHART.left + group * i + group / 2;
    const series: Array<[Bar['series'], number, number]> = [
      ['idle', m.totals.idleCostUsd, Math.round(center - barW - 1)],
      ['reclaimed', m.totals.reclaimedUsd, Math.round(center + 1)],
    ];
    for (const [name, value, x] of series) {
      const height = Math.round((value / top) * plotH);
      bars.push({
        month: m.month,
        series: name,
        value,
        x,
        y: CHART.top + plotH - height,
        width: barW,
        height,
      });
    }
  });
  return { bars, top };
}

function chartSvg(trend: readonly TrendMonth[]): string {
  const { bars, top } = chartBars(trend);
  const plotH = CHART.height - CHART.top - CHART.bottom;
  const baseY = CHART.top + plotH;
  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const y = Math.round(baseY - f * plotH);
    return `<line x1="${CHART.left}" x2="${CHART.width - CHART.right}" y1="${y}" y2="${y}" stroke="#dddddd"/><text x="${CHART.left - 8}" y="${y + 4}" text-anchor="end">${formatUsd(top * f)}</text>`;
  });
  const group = (CHART.width - CHART.left - CHART.right) / Math.max(1, trend.length);
  const labels = trend.map((m, i) => {
    const x = Math.round(CHART.left + group * i + group / 2);
    return `<text x="${x}" y="${baseY + 20}" text-anchor="middle">${esc(monthName(m.month).replace(/^(\w{3})\w*/, '$1'))}</text>`;
  });
  const rects = bars
    .filter((b) => b.height > 0)
    .map(
      (b) =>
        `<rect x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" fill="${CHART_COLORS[b.series]}" data-month="${b.month}" data-series="${b.series}" data-value="${b.value.toFixed(6)}"><title>${esc(`${monthName(b.month)}: ${b.series === 'idle' ? 'idle cost' : 'reclaimed'} ${formatUsd(b.value)}`)}</title></rect>`,
    );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART.width}" height="${CHART.height}" viewBox="0 0 ${CHART.width} ${CHART.height}" role="img" aria-label="Idle cost and reclaimed savings per month" shape-rendering="crispEdges" font-family="sans-serif" font-size="12" fill="#333333">`,
    ...grid,
    ...rects,
    ...labels,
    '</svg>',
  ].join('\n');
}

function tableHtml(head: readonly string[], rows: readonly string[][], numeric: ReadonlySet<number>): string {
  const cell = (tag: string, text: string, i: number) =>
    `<${tag}${numeric.has(i) ? ' class="n"' : ''}>${esc(text)}</${tag}>`;
  return [
    '<table>',
    `<thead><tr>${head.map((h, i) => cell('th', h, i)).join('')}</tr></thead>`,
    `<tbody>${rows.map((r) => `<tr>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`).join('\n')}</tbody>`,
    '</table>',
  ].join('\n');
}

const STYLE = `body{font-family:sans-serif;color:#222;background:#fff;margin:24px;max-width:1100px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}p{margin:4px 0}
.warn{color:#a61e4d;font-weight:bold}table{border-collapse:collapse;font-size:13px}
th,td{padding:3px 10px;border-bottom:1px solid #e5e5e5;text-align:left}.n{text-align:right}
.key{display:inline-block;width:12px;height:12px;margin:0 4px 0 14px;vertical-align:-1px}
figure{margin:16px 0}figcaption{font-size:13px}footer{margin-top:24px;font-size:12px;color:#666}`;

/** The page: who and when, the chart, the months, and the last month per address. */
export function formatReportHtml(
  trend: readonly TrendMonth[],
  last: MonthlyReport,
  asOf: string,
  header: ReportHeader = {},
): string {
  const first = trend[0]?.month ?? last.month;
  const period = first === last.month ? monthName(first) : `${monthName(first)} to ${monthName(last.month)}`;
  const f = header.freshness;
  const who = [
    `account ${header.accountId ?? 'unknown'}`,
    header.region,
    header.table && `table ${header.table}`,
  ]
    .filter(Boolean)
    .join(', ');
  const months = trend.map((m) =>
    m.hasData
      ? [
          monthName(m.month),
          formatUsd(m.totals.idleCostUsd),
          formatUsd(m.totals.reclaimedUsd),
          String(m.totals.releasedThisMonth),
          formatUsd(m.totals.projectedMonthlySavingUsd),
        ]
      : [monthName(m.month), 'no data', '', '', ''],
  );
  const rows = last.rows.map((r) => [
    r.allocationId,
    r.publicIp,
    r.classification,
    r.idleHours.toFixed(1),
    formatUsd(r.idleCostUsd),
    r.releasedAt ? formatTime(r.releasedAt) : '-',
    r.releasedAt ? formatUsd(r.reclaimedUsd) : '-',
  ]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>eip-keeper: idle Elastic IPs, ${esc(period)}</title>
<style>${STYLE}</style></head>
<body>
<h1>Idle Elastic IPs: cost and savings, ${esc(period)} (UTC)</h1>
<p>${esc(who)}. As of ${esc(formatTime(asOf))}${f?.lastWriteAt ? esc(`, the ledger's last write (${ageText(f.ageHours)} before this report)`) : ''}.</p>
${f?.stale && f.lastWriteAt ? `<p class="warn">${esc(`The sweeper has not written the ledger since ${formatTime(f.lastWriteAt)}: is it running? Figures stop there.`)}</p>` : ''}
${header.noData ? `<p class="warn">${esc(header.noData)}</p>` : ''}
<figure>
${chartSvg(trend)}
<figcaption><span class="key" style="background:${CHART_COLORS.idle}"></span>idle cost (what AWS billed for unassociated addresses)<span class="key" style="background:${CHART_COLORS.reclaimed}"></span>reclaimed (not billed thanks to eip-keeper's releases)</figcaption>
</figure>
<h2>By month</h2>
${tableHtml(['Month', 'Idle cost', 'Reclaimed', 'Released', 'Saving per month (run rate)'], months, new Set([1, 2, 3, 4]))}
<h2>${esc(monthName(last.month))}, address by address</h2>
${rows.length > 0 ? tableHtml(['Allocation id', 'Public IP', 'Status', 'Idle hours', 'Idle cost', 'Released', 'Reclaimed'], rows, new Set([3, 4, 6])) : '<p>No idle Elastic IP and no release in this month.</p>'}
<footer>Made by eip-keeper (npx eip-keeper report --format html). Amounts rounded to cents; totals summed before rounding; 30-day months for run rates.</footer>
</body></html>
`;
}
