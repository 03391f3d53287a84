/** Reading the attributes of a stored item, which a decoder checks rather than trusts. */
import type { Item } from '../../store/query';

export function keyOf(item: Item): { PK: unknown; SK: unknown } {
  return { PK: item.PK, SK: item.SK };
}

export function str(item: Item, name: string): string | undefined {
  const v = item[name];
  return typeof v === 'string' ? v : undefined;
}

/** A string set (sorted) or a list, as DynamoDB returns them; anything else reads as empty. */
export function stringList(v: unknown): string[] {
  if (v instanceof Set) return [...v].filter((x): x is string => typeof x === 'string').sort();
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}
