/**
 * Seeded random Unicode text for property tests: the same seed gives the same strings, so a failure names the seed
 * that reproduces it. Strings mix what attackers write (line breaks, bidi and zero-width characters, chat mentions,
 * markdown, links, lone surrogates) with printable ASCII and random code points of every plane.
 */

/** mulberry32: a small, fast 32-bit generator; uniform in [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pieces that try to add lines, hide text, format, mention or link, in e-mail or in chat. */
export const HOSTILE_TOKENS: readonly string[] = [
  '\n',
  '\r\n',
  '\r',
  '\u000b',
  '\u000c',
  '\u0085',
  '\u2028',
  '\u2029',
  '\t',
  '\u0000',
  '\u001b[31m',
  '\u202e',
  '\u202d',
  '\u2066',
  '\u2069',
  '\u200b',
  '\u200d',
  '\u2060',
  '\ufeff',
  '\u00ad',
  '\u061c',
  '\u{e0041}',
  '\ud800',
  '\udfff',
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<@U0123ABCD>',
  '<#C0123ABCD>',
  '@here',
  '@channel',
  '<https://evil.example|click here>',
  '<mailto:a@evil.example>',
  '[click](https://evil.example/x)',
  '![img](http://evil.example/p.png)',
  'https://evil.example/x',
  'HTTP://EVIL.EXAMPLE',
  'www.evil.example',
  'javascript:alert(1)',
  '`',
  '```',
  '*bold*',
  '**strong**',
  '_italic_',
  '~strike~',
  '> quote',
  '# heading',
  '- item',
  '||spoiler||',
  ':rotating_light:',
  '<script>alert(1)</script>',
  '<img src=x>',
  '&lt;!here&gt;',
  '&amp;',
  '"',
  "'",
  '\\',
  '\\n',
  'Subject: all clear',
  'Bcc: attacker@evil.example',
  '-- ',
  '… “quoted” — dash',
];

const COMBINING = [0x0301, 0x0336, 0x20d7, 0x0489];

function codePoint(next: () => number): string {
  const r = next();
  if (r < 0.45) return String.fromCodePoint(0x20 + Math.floor(next() * 95));
  if (r < 0.75) {
    // Any BMP code point except surrogates (the hostile tokens carry lone ones).
    const cp = Math.floor(next() * 0xfffe);
    return String.fromCodePoint(cp >= 0xd800 && cp <= 0xdfff ? cp - 0x800 : cp);
  }
  if (r < 0.9) return String.fromCodePoint(0x10000 + Math.floor(next() * 0xfffff));
  return String.fromCodePoint(COMBINING[Math.floor(next() * COMBINING.length)] as number);
}

/** One random string: usually short, sometimes longer than any limit an alert clips to. */
export function randomText(next: () => number): string {
  const long = next() < 0.04;
  const pieces = long ? 150 + Math.floor(next() * 200) : Math.floor(next() * 14);
  let out = '';
  for (let i = 0; i < pieces; i++) {
    out +=
      next() < 0.35
        ? (HOSTILE_TOKENS[Math.floor(next() * HOSTILE_TOKENS.length)] as string)
        : codePoint(next);
  }
  return out;
}
