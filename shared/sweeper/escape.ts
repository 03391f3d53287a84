/**
 * Untrusted text in alerts. Anyone allowed to tag an address (ec2:CreateTags) writes its tag keys and values, so an
 * alert must show them without letting them forge lines, links, mentions or formatting, in e-mail and in chat.
 */

/** C0/C1 controls, line/paragraph separators, bidi overrides and isolates, zero-width and BOM characters. */
const INVISIBLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b-\u200f\u2060\ufeff]/g;

/** Longest untrusted value shown (EC2 tag values are at most 256 characters). */
export const MAX_UNTRUSTED_CHARS = 256;

function clip(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

/** Removes what could forge structure or hide text: each such character becomes `?` (a tab a space), then clips. */
export function neutralise(s: string, max = MAX_UNTRUSTED_CHARS): string {
  return clip(
    s.replace(INVISIBLE, (c) => (c === '\t' ? ' ' : '?')),
    max,
  );
}

/** Defangs URLs (`https://x` → `https[:]//x`) so mail clients do not turn attacker text into links. */
function defang(s: string): string {
  return s.replace(/:\/\//g, '[:]//').replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}[.]`);
}

/** Untrusted text inside a sentence of plain text: one line, no controls, URLs defanged (not quoted). */
export function inlineText(s: string, max = MAX_UNTRUSTED_CHARS): string {
  return defang(neutralise(s, max));
}

/**
 * Untrusted text for a plain-text e-mail: one line, no controls, URLs defanged, quoted with `"` (inner quotes and
 * backslashes escaped), so where the value starts and ends is never in doubt.
 */
export function textValue(s: string, max = MAX_UNTRUSTED_CHARS): string {
  return `"${defang(neutralise(s, max)).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * Untrusted text for chat markdown (AWS Chatbot `client-markdown`, rendered by Slack, Teams or Chime): one line, no
 * controls, inside a code span (no emphasis, links or headings), with the characters chat clients still interpret
 * inside code — `<`, `>`, `&` (Slack mentions like `<!channel>`) and `@` — and backticks replaced.
 */
export function markdownValue(s: string, max = MAX_UNTRUSTED_CHARS): string {
  const safe = defang(neutralise(s, max))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/`/g, "'")
    .replace(/@/g, '(at)');
  return `\`${safe === '' ? ' ' : safe}\``;
}

/**
 * Our own sentences for chat markdown. Names from outside go in `markdownValue` code spans; this only keeps a
 * sentence from being read as a mention or an HTML-like tag (`&`, `<`, `>` as entities, `@` spelled out). No
 * backslash escapes: Slack shows them literally.
 */
export function markdownText(s: string): string {
  return defang(neutralise(s, 2000))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '(at)')
    .replace(/\]\(/g, '] (');
}

/** Text for an SNS subject: printable ASCII only, at most `max` characters (SNS requires fewer than 100). */
export function subjectText(s: string, max = 99): string {
  const ascii = s.replace(/[^\x20-\x7e]/g, '?').replace(/\s+/g, ' ');
  const trimmed = ascii.length <= max ? ascii : `${ascii.slice(0, max - 3)}...`;
  return /^[A-Za-z0-9\p{P}]/u.test(trimmed) ? trimmed : `-${trimmed}`.slice(0, max);
}
