/**
 * Reads a PNG screenshot into pixels (8-bit RGB or RGBA, not interlaced: what headless Chromium writes), and runs
 * headless Chromium to take one. For tests that check what a page shows, not only that it exists.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';

export interface Image {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, row by row. */
  rgba: Uint8Array;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export function decodePng(file: Buffer): Image {
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < file.length) {
    const length = file.readUInt32BE(offset);
    const type = file.toString('ascii', offset + 4, offset + 8);
    const data = file.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, color, , , interlace] = [data[8], data[9], data[10], data[11], data[12]];
      if (depth !== 8 || interlace !== 0 || (color !== 2 && color !== 6))
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${color}, interlace ${interlace}`);
      channels = color === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(width * height * 4);
  let prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)] as number;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const cur = new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? (cur[i - channels] as number) : 0;
      const b = prev[i] as number;
      const c = i >= channels ? (prev[i - channels] as number) : 0;
      const x = line[i] as number;
      const predictor = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter];
      if (predictor === undefined) throw new Error(`bad PNG filter ${filter}`);
      cur[i] = (x + predictor) & 0xff;
    }
    for (let px = 0; px < width; px++) {
      for (let ch = 0; ch < 3; ch++) out[(y * width + px) * 4 + ch] = cur[px * channels + ch] as number;
      out[(y * width + px) * 4 + 3] = channels === 4 ? (cur[px * channels + 3] as number) : 255;
    }
    prev = cur;
  }
  return { width, height, rgba: out };
}

/** The Chromium of this machine, if any (Debian's package installs /usr/bin/chromium). */
export function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((c): c is string => Boolean(c && existsSync(c)));
}

/** Renders a local HTML file in headless Chromium (no network, a throw-away profile) and decodes the screenshot. */
export function screenshot(chromium: string, htmlFile: string, size = { width: 900, height: 800 }): Image {
  const dir = mkdtempSync(join(tmpdir(), 'chromium-'));
  try {
    const png = join(dir, 'shot.png');
    const r = spawnSync(
      chromium,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--hide-scrollbars',
        '--force-device-scale-factor=1',
        `--user-data-dir=${join(dir, 'profile')}`,
        `--screenshot=${png}`,
        `--window-size=${size.width},${size.height}`,
        pathToFileURL(htmlFile).href,
      ],
      { timeout: 60_000, encoding: 'utf8' },
    );
    if (!existsSync(png)) throw new Error(`chromium wrote no screenshot (status ${r.status}): ${r.stderr}`);
    return decodePng(readFileSync(png));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `#d9480f` → [217, 72, 15]. */
export function rgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

/**
 * Solid rectangles of one colour at least `minWidth` wide: each column's longest unbroken vertical run of the colour,
 * neighbouring columns with the same run joined (so a legend key below a bar neither adds to it nor widens it).
 */
export function colouredColumns(
  img: Image,
  color: [number, number, number],
  minWidth: number,
): Array<{ x: number; width: number; height: number; bottom: number }> {
  const heights: number[] = [];
  const bottoms: number[] = [];
  for (let x = 0; x < img.width; x++) {
    let best = 0;
    let bestBottom = -1;
    let run = 0;
    for (let y = 0; y < img.height; y++) {
      const i = (y * img.width + x) * 4;
      const same = img.rgba[i] === color[0] && img.rgba[i + 1] === color[1] && img.rgba[i + 2] === color[2];
      run = same ? run + 1 : 0;
      if (run > best) {
        best = run;
        bestBottom = y;
      }
    }
    heights.push(best);
    bottoms.push(bestBottom);
  }
  // Neighbouring columns with the same run (height and bottom) are one rectangle.
  const found: Array<{ x: number; width: number; height: number; bottom: number }> = [];
  for (let x = 0; x < img.width; ) {
    const height = heights[x] as number;
    const bottom = bottoms[x] as number;
    const start = x;
    while (x < img.width && heights[x] === height && bottoms[x] === bottom) x++;
    if (height > 0 && x - start >= minWidth) found.push({ x: start, width: x - start, height, bottom });
  }
  return found;
}
