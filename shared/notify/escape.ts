/**
 * Untrusted text in notifications, one function per place it is shown. Tag keys and values (anyone allowed
 * `ec2:CreateTags` writes them), pool and cluster names read from tags, ENI descriptions, actor and session names from
 * CloudTrail (whoever calls AssumeRole picks the session name), DNS names, Kubernetes object fields and AWS error
 * messages all reach alerts: none may forge a line, a link, a mention or formatting in an e-mail subject, an e-mail
 * body or chat.
 *
 * - SNS subject: `subjectLine` (printable ASCII, one line, fewer than 100 characters).
 * - E-mail text: `textValue` (quoted) or `inlineText` (inside a sentence).
 * - Chat markdown: `markdownValue` (a code span) or `markdownName` (plain when made of letters, digits and hyphens);
 *   `markdownText` for eip-keeper's own sentences.
 */

/**
 * What could forge structure or hide text: controls (Cc: CR, LF, NEL, ...), format characters (Cf: bidi embeddings,
 * overrides and isolates, zero-width characters, the BOM, soft hyphens, tag characters), line and paragraph
 * separators (Zl, Zp), and lone surrogates (Cs: no UTF-8 message can carry them).
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/** Longest untrusted value shown (EC2 tag values are at most 256 characters). */
export const MAX_UNTRUSTED_CHARS = 256;

/** SNS subjects must be shorter than 100 characters (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html). */
export const MAX_SUBJECT = 99;

/** Clips to `max` code points, the last one an ellipsis. */
export function clip(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

/** Each character that could forge structure or hide text becomes `?` (a tab, a space); then clipped. */
export function neutralise(s: string, max = MAX_UNTRUSTED_CHARS): string {
  return clip(
    s.replace(INVISIBLE, (c) => (c === '\t' ? ' ' : '?')),
    max,
  );
}

/** Defangs URLs (`https://x` → `https[:]//x`, `www.` → `www[.]`) so clients do not turn attacker text into links. */
export function defang(s: string): string {
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
  return `"${inlineText(s, max).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `<`, `>` and `&` as entities and `@` spelled out: chat clients read `<!here>`, `<@U123>` and `@channel`. */
function entities(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/@/g, '(at)');
}

/**
 * Untrusted text for chat markdown (AWS Chatbot `client-markdown`, rendered by Slack, Teams or Chime): one line, no
 * controls, inside a code span, where `*`, `_`, `~`, `[`, `>` and links do not format, with what chat clients still
 * read inside code replaced: `<`, `>`, `&` and `@` (mentions), and backticks (which would end the span).
 */
export function markdownValue(s: string, max = MAX_UNTRUSTED_CHARS): string {
  const safe = entities(inlineText(s, max)).replace(/`/g, "'");
  return `\`${safe === '' ? ' ' : safe}\``;
}

/** An untrusted name for chat: as is when made of letters, digits and hyphens only (nothing to format), else a code span. */
export function markdownName(s: string, max = MAX_UNTRUSTED_CHARS): string {
  return /^[A-Za-z0-9-]+$/.test(s) && s.length <= max ? s : markdownValue(s, max);
}

/**
 * eip-keeper's own sentences for chat. Names from outside go in `markdownValue` code spans; this only keeps a
 * sentence from being read as a mention, an HTML-like tag or a link. No backslash escapes: Slack shows them literally.
 */
export function markdownText(s: string): string {
  return entities(inlineText(s, 2000)).replace(/\]\(/g, '] (');
}

/**
 * The last guard on a line of chat markdown, whatever built it: no hidden characters, no raw `<`, `>` or `@` (so no
 * mention), no URL (so no link). Idempotent on what `markdownValue` and `markdownText` produce.
 */
export function guardMarkdown(line: string): string {
  return defang(neutralise(line, Number.POSITIVE_INFINITY))
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '(at)')
    .replace(/\]\(/g, '] (');
}

/** The last guard on an e-mail body, whatever built it: line breaks are kept, every hidden character becomes `?`. */
export function guardText(text: string): string {
  return text
    .split('\n')
    .map((line) => neutralise(line, Number.POSITIVE_INFINITY))
    .join('\n');
}

/** Typographic characters, spelled in ASCII for a subject. */
const ASCII_SPELLING: [RegExp, string][] = [
  [/[\u2010-\u2015\u2212]/g, '-'],
  [/[\u2018\u2019\u201a\u201b\u2032]/g, "'"],
  [/[\u201c\u201d\u201e\u201f\u2033]/g, '"'],
  [/\u2026/g, '...'],
  [/\u00d7/g, 'x'],
];

/**
 * The one SNS subject sanitizer: printable ASCII (typographic characters spelled in ASCII, accents dropped, anything
 * else `?`), one line, at most `max` characters, starting with a letter, digit or punctuation mark — the Publish
 * API's rules (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html). Idempotent.
 */
export function subjectLine(s: string, max = MAX_SUBJECT): string {
  let text = s;
  for (const [re, ascii] of ASCII_SPELLING) text = text.replace(re, ascii);
  text = text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[\p{Cc}\p{Z}]+/gu, ' ')
    .replace(/\p{Cf}/gu, '')
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/ {2,}/g, ' ')
    .trim();
  if (text.length > max) text = `${text.slice(0, max - 3).trimEnd()}...`;
  if (text === '') return '-';
  return /^[A-Za-z0-9\p{P}]/u.test(text) ? text : `-${text}`.slice(0, max);
}
