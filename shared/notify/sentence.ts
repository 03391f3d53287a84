/**
 * A sentence written once and said in each channel: eip-keeper's own words as they are, untrusted values marked, so
 * e-mail shows them quoted or inline (`textValue`, `inlineText`) and chat as code spans (`markdownValue`), where they
 * cannot format, mention or link.
 *
 *   sentence`pool ${quoted(pool, 63)} has no free address` → e-mail: pool "payments" …, chat: pool `payments` …
 */
import { inlineText, MAX_UNTRUSTED_CHARS, markdownText, markdownValue, textValue } from './escape';

export interface Untrusted {
  readonly untrusted: string;
  readonly max: number;
  /** Quoted in e-mail (`textValue`), else shown as is inside the sentence (`inlineText`). */
  readonly quote: boolean;
}

export type Sentence = readonly (string | Untrusted)[];

/** Untrusted text quoted in e-mail, a code span in chat. */
export const quoted = (s: string, max = MAX_UNTRUSTED_CHARS): Untrusted => ({
  untrusted: s,
  max,
  quote: true,
});

/** Untrusted text inline in e-mail (one line, no controls, URLs defanged), a code span in chat. */
export const inline = (s: string, max = MAX_UNTRUSTED_CHARS): Untrusted => ({
  untrusted: s,
  max,
  quote: false,
});

/** Builds a sentence; interpolated strings and numbers are eip-keeper's own words, `quoted`/`inline` values are not. */
export function sentence(
  strings: TemplateStringsArray,
  ...values: (string | number | Untrusted | Sentence)[]
): Sentence {
  const parts: (string | Untrusted)[] = [];
  strings.forEach((s, i) => {
    parts.push(s);
    const v = values[i];
    if (v === undefined) return;
    if (typeof v === 'string' || typeof v === 'number') parts.push(String(v));
    else if (Array.isArray(v)) parts.push(...v);
    else parts.push(v as Untrusted);
  });
  return parts;
}

/** The sentence for plain-text e-mail. */
export function asText(s: Sentence): string {
  return s
    .map((p) =>
      typeof p === 'string' ? p : p.quote ? textValue(p.untrusted, p.max) : inlineText(p.untrusted, p.max),
    )
    .join('');
}

/** The sentence for chat markdown. */
export function asMarkdown(s: Sentence): string {
  let out = '';
  let words = '';
  for (const p of s) {
    if (typeof p === 'string') {
      words += p;
      continue;
    }
    out += markdownText(words) + markdownValue(p.untrusted, p.max);
    words = '';
  }
  return out + markdownText(words);
}
