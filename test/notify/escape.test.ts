/** The escaping of untrusted text, per place it is shown, on literal examples (untrusted-text.test.ts: on random text). */
import { describe, expect, it } from 'vitest';
import {
  guardMarkdown,
  markdownName,
  markdownText,
  markdownValue,
  neutralise,
  subjectLine,
  textValue,
} from '../../shared/notify/escape';
import { asMarkdown, asText, inline, quoted, sentence } from '../../shared/notify/sentence';

describe('subjectLine', () => {
  it('spells typographic characters in ASCII and drops accents', () => {
    expect(subjectLine('Café — “prod” … ×2')).toBe('Cafe - "prod" ... x2');
  });

  it('makes line breaks, tabs and separators one space, and removes invisible characters', () => {
    expect(subjectLine('a\r\n\tb\u2028c\u200bd\u202ee')).toBe('a b cde');
  });

  it('clips to 99 characters with an ellipsis, and starts with a letter, digit or punctuation mark', () => {
    expect(subjectLine('x'.repeat(150))).toBe(`${'x'.repeat(96)}...`);
    expect(subjectLine('+1 alert')).toBe('-+1 alert');
    expect(subjectLine('\u200b')).toBe('-');
  });

  it('leaves what it made unchanged', () => {
    for (const s of ['[eip-keeper] ok', `  é\u0007x${'y'.repeat(120)}`, '+ plus', '✓ done'])
      expect(subjectLine(subjectLine(s))).toBe(subjectLine(s));
  });
});

describe('neutralise', () => {
  it('turns controls, format characters, separators and lone surrogates into ?, tabs into spaces', () => {
    expect(neutralise('a\nb\u00adc\u{e0041}d\u2029e\ud800f\tg')).toBe('a?b?c?d?e?f g');
  });

  it('clips by code points, never splitting a character', () => {
    expect(neutralise('😀'.repeat(10), 4)).toBe('😀😀😀…');
  });
});

describe('e-mail values', () => {
  it('are quoted, with inner quotes and backslashes escaped and links defanged', () => {
    expect(textValue('say "hi" \\ https://x www.y.z')).toBe('"say \\"hi\\" \\\\ https[:]//x www[.]y.z"');
  });
});

describe('chat values', () => {
  it('are code spans without mentions, entities for <, > and &, no backticks', () => {
    expect(markdownValue('<@U1> `x` a&b')).toBe("`&lt;(at)U1&gt; 'x' a&amp;b`");
  });

  it('stay plain as names only when letters, digits and hyphens', () => {
    expect(markdownName('node-group-1')).toBe('node-group-1');
    expect(markdownName('my_group')).toBe('`my_group`');
    expect(markdownName('*x*')).toBe('`*x*`');
  });

  it('pass the last guard unchanged', () => {
    for (const s of [markdownValue('<!here> @all https://x'), markdownText('a < b & c @ d [x](y)')])
      expect(guardMarkdown(s)).toBe(s);
  });
});

describe('a sentence', () => {
  const s = sentence`pool ${quoted('pay"ments')} was emptied by ${inline('role x\nSubject: y')} at ${9}`;

  it('reads in e-mail with values quoted or inline, on one line', () => {
    expect(asText(s)).toBe('pool "pay\\"ments" was emptied by role x?Subject: y at 9');
  });

  it('reads in chat with values as code spans', () => {
    expect(asMarkdown(s)).toBe('pool `pay"ments` was emptied by `role x?Subject: y` at 9');
  });
});
