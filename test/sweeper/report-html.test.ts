/**
 * The finance report's HTML page, rendered in headless Chromium: the bars of idle cost and reclaimed savings are on
 * the screenshot where the figures say, month after month, with heights in proportion to the amounts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrendMonth } from '../../shared/sweeper/finance';
import { rollUpMonth } from '../../shared/sweeper/ledger';
import { CHART_COLORS, chartBars, formatReportHtml, niceCeiling } from '../../shared/sweeper/report-html';
import { colouredColumns, findChromium, rgb, screenshot } from '../support/png';

const totals = (idleCostUsd: number, reclaimedUsd: number): TrendMonth['totals'] => ({
  idleAddresses: 3,
  idleHours: idleCostUsd / 0.005,
  idleCostUsd,
  releasedThisMonth: reclaimedUsd > 0 ? 1 : 0,
  reclaimedUsd,
  projectedMonthlySavingUsd: 3.6,
  orphansIdleNow: 1,
  orphanMonthlyCostUsd: 3.6,
});

/** Four months: idle cost falls as releases reclaim more. */
const TREND: TrendMonth[] = [
  { month: '2025-10', totals: totals(4, 0), hasData: true },
  { month: '2025-11', totals: totals(3, 1), hasData: true },
  { month: '2025-12', totals: totals(2, 2.5), hasData: true },
  { month: '2026-01', totals: totals(1, 3), hasData: true },
];
const AS_OF = '2026-01-20T00:00:00.000Z';

const dir = mkdtempSync(join(tmpdir(), 'report-html-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function page(): string {
  const file = join(dir, 'report.html');
  writeFileSync(
    file,
    formatReportHtml(TREND, rollUpMonth([], [], '2026-01', AS_OF), AS_OF, {
      accountId: '111122223333',
      region: 'eu-west-1',
      table: 'EipKeeper-Table',
    }),
  );
  return file;
}

describe('the report page', () => {
  it('places two bars per month, heights in proportion to the amounts, under a round top', () => {
    const { bars, top } = chartBars(TREND);

    expect(top).toBe(5);
    expect(bars.map((b) => `${b.month}:${b.series}:${b.height}`)).toEqual([
      '2025-10:idle:200',
      '2025-10:reclaimed:0',
      '2025-11:idle:150',
      '2025-11:reclaimed:50',
      '2025-12:idle:100',
      '2025-12:reclaimed:125',
      '2026-01:idle:50',
      '2026-01:reclaimed:150',
    ]);
    expect(niceCeiling(0.0612)).toBe(0.1);
    expect(niceCeiling(7.2)).toBe(10);
  });

  it('needs nothing from the network: no URL to fetch, and a policy that forbids fetching', () => {
    const html = formatReportHtml(TREND, rollUpMonth([], [], '2026-01', AS_OF), AS_OF);

    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html.replace('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|@import|url\(/);
  });

  it('escapes what it prints', () => {
    const html = formatReportHtml(TREND, rollUpMonth([], [], '2026-01', AS_OF), AS_OF, {
      table: '<img src=x onerror=alert(1)>',
    });

    expect(html).toContain('table &lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
  });
});

/** Chromium, installed by .ci/run; when absent, try Debian's package once (as .ci/run does). */
function chromium(): string | undefined {
  const found = findChromium();
  if (found || process.getuid?.() !== 0) return found;
  try {
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'ignore', timeout: 300_000 });
  } catch {
    return undefined;
  }
  return findChromium();
}

const CHROMIUM = chromium();
if (!CHROMIUM)
  console.warn(
    'report-html.test.ts: skipping the rendering test: Chromium is not installed and could not be (apt-get install -y chromium)',
  );

describe.skipIf(!CHROMIUM)('the report page in headless Chromium', () => {
  it("shows each month's idle-cost and reclaimed bars, left to right, as tall as the figures say", () => {
    const img = screenshot(CHROMIUM as string, page());
    const idle = colouredColumns(img, rgb(CHART_COLORS.idle), 20);
    const reclaimed = colouredColumns(img, rgb(CHART_COLORS.reclaimed), 20);
    const expected = chartBars(TREND).bars;
    const heightsOf = (series: string) =>
      expected.filter((b) => b.series === series && b.height > 0).map((b) => b.height);

    // Every non-zero amount has its bar, in month order, each as tall as the chart's scale makes it (±1 px).
    expect(idle).toHaveLength(4);
    expect(reclaimed).toHaveLength(3);
    expect(idle.map((b) => b.height)).toEqual(heightsOf('idle'));
    expect(reclaimed.map((b) => b.height)).toEqual(heightsOf('reclaimed'));
    // One baseline; October has no reclaimed bar, so November's is the first and stands right of its idle bar.
    const bottoms = new Set([...idle, ...reclaimed].map((b) => b.bottom));
    expect(bottoms.size).toBe(1);
    for (let i = 1; i < 4; i++) {
      const idleBar = idle[i] as { x: number; width: number };
      const reclaimedBar = reclaimed[i - 1] as { x: number };
      expect(reclaimedBar.x).toBeGreaterThan(idleBar.x);
      expect(reclaimedBar.x - (idleBar.x + idleBar.width)).toBeLessThan(10);
    }
    expect(idle.map((b) => b.x)).toEqual([...idle.map((b) => b.x)].sort((a, b) => a - b));
  });
});
