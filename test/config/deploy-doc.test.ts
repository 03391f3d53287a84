/**
 * docs/deploy.md lists every configuration key the schema has, each with its range as the schema enforces it: the
 * numbers' bounds, the enums' values. Read from the schema (its JSON Schema), so a key added without its line fails.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { AppConfigSchema } from '../../shared/config/schema';

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  enum?: unknown[];
}

/** Every leaf key (`sweeper.release.maxPerRun`, `pools[].selector.tags`) with its schema. */
function leaves(schema: JsonSchema, prefix = ''): Array<[string, JsonSchema]> {
  if (schema.type === 'object' && schema.properties)
    return Object.entries(schema.properties).flatMap(([k, v]) => {
      const path = prefix ? `${prefix}.${k}` : k;
      return [
        ...(v.type === 'array' && v.items?.type === 'object' ? [[path, v] as [string, JsonSchema]] : []),
        ...leaves(v, path),
      ];
    });
  if (schema.type === 'array' && schema.items?.type === 'object') return leaves(schema.items, `${prefix}[]`);
  return [[prefix, schema]];
}

const doc = readFileSync('docs/deploy.md', 'utf8');
const rows = new Map(
  doc.split('\n').flatMap((l) => {
    const m = /^\| `([^`]+)` \|(.*)$/.exec(l);
    return m ? [[m[1] as string, m[2] as string] as const] : [];
  }),
);
const schema = z.toJSONSchema(AppConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
const keys = leaves(schema);

describe('docs/deploy.md', () => {
  it('has the keys the schema has', () => {
    expect(keys.length).toBeGreaterThan(25);
  });

  it.each(keys.map(([k, s]) => [k, s] as const))('states %s with its range', (key, s) => {
    const row = rows.get(key);
    expect(row, `no row for ${key} in the keys table`).toBeDefined();
    const range = (row ?? '').split('|')[1] ?? '';
    if (s.maximum !== undefined) expect(range, key).toContain(String(s.maximum));
    if (s.minimum !== undefined) expect(range, key).toContain(`${s.minimum}–`);
    if (s.exclusiveMinimum !== undefined) expect(range, key).toContain(`more than ${s.exclusiveMinimum}`);
    for (const v of s.enum ?? []) expect(range, key).toContain(`\`${String(v)}\``);
  });
});
