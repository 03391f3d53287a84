/**
 * EC2 XML: `<XxxResponse xmlns=...><requestId>…</requestId>…</XxxResponse>`, lists as `<xxxSet><item>…</item>
 * </xxxSet>`, booleans `true`/`false`, timestamps ISO 8601; errors as `<Response><Errors><Error>…`. Every text value
 * is escaped: tags and descriptions are caller-controlled.
 */
import type { SimResponse } from '../core/types';

export const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

/** An element's content: a scalar, a nested element map, or a list rendered as `<item>` children. */
export type XmlValue = string | number | boolean | Date | null | undefined | XmlValue[] | XmlElement;
export interface XmlElement {
  [name: string]: XmlValue;
}

const TEXT_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // A raw CR would be normalised to LF by any XML parser.
  '\r': '&#13;',
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (c) => TEXT_ESCAPES[c] ?? c);
}

function scalar(v: string | number | boolean | Date): string {
  if (v instanceof Date) return v.toISOString();
  return escapeXml(String(v));
}

/** Serialises an element's content; `undefined`/`null` members are left out, as EC2 leaves out absent fields. */
export function toXml(value: XmlValue): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((item) => `<item>${toXml(item)}</item>`).join('');
  if (typeof value === 'object' && !(value instanceof Date)) {
    let out = '';
    for (const [name, child] of Object.entries(value)) {
      if (child === undefined || child === null) continue;
      const inner = toXml(child);
      out += inner === '' ? `<${name}/>` : `<${name}>${inner}</${name}>`;
    }
    return out;
  }
  return scalar(value);
}

export function xmlResponse(action: string, requestId: string, body: XmlElement): SimResponse {
  const root = `${action}Response`;
  return {
    status: 200,
    headers: { 'content-type': 'text/xml;charset=UTF-8' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${EC2_XMLNS}"><requestId>${escapeXml(requestId)}</requestId>${toXml(body)}</${root}>`,
  };
}

export function xmlError(status: number, code: string, message: string, requestId: string): SimResponse {
  return {
    status,
    headers: { 'content-type': 'text/xml;charset=UTF-8' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${escapeXml(requestId)}</RequestID></Response>`,
  };
}
