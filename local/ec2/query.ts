/**
 * The EC2 Query protocol as the SDK writes it: a form-urlencoded body of flattened keys (`Filter.1.Name`,
 * `Filter.1.Value.2`, `AllocationId.1`), unflattened here into nested params where numbered segments become
 * arrays in index order. Accessors read one typed value each and report a malformed request as EC2 does.
 */
import { Ec2Error } from './errors';
import type { Tag } from './state';

export type QueryValue = string | QueryValue[] | QueryObject;
export interface QueryObject {
  [key: string]: QueryValue;
}

interface Node {
  value?: string;
  children: Map<string, Node>;
}

/** Parses a form-urlencoded Query body (plus any query-string params) into nested params. */
export function parseQuery(body: string, query?: URLSearchParams): QueryObject {
  const root: Node = { children: new Map() };
  const add = (key: string, value: string) => {
    let node = root;
    for (const segment of key.split('.')) {
      let child = node.children.get(segment);
      if (!child) {
        child = { children: new Map() };
        node.children.set(segment, child);
      }
      node = child;
    }
    node.value = value;
  };
  for (const [k, v] of query ?? []) add(k, v);
  for (const [k, v] of new URLSearchParams(body)) add(k, v);
  const out = convert(root);
  return typeof out === 'object' && !Array.isArray(out) ? out : {};
}

function convert(node: Node): QueryValue {
  if (node.children.size === 0) return node.value ?? '';
  const keys = [...node.children.keys()];
  if (keys.every((k) => /^\d+$/.test(k))) {
    return keys
      .map((k) => [Number(k), node.children.get(k) as Node] as const)
      .sort((a, b) => a[0] - b[0])
      .map(([, child]) => convert(child));
  }
  // Object.create(null): member names come from the caller and must never reach a prototype.
  const obj: QueryObject = Object.create(null);
  for (const [k, child] of node.children) obj[k] = convert(child);
  return obj;
}

export function str(p: QueryObject, name: string): string | undefined {
  const v = p[name];
  return typeof v === 'string' ? v : undefined;
}

export function requireStr(p: QueryObject, name: string): string {
  const v = str(p, name);
  if (v === undefined || v === '') {
    throw new Ec2Error('MissingParameter', `The request must contain the parameter ${name}`);
  }
  return v;
}

/** `Name.1`, `Name.2`, ... as a string list. */
export function strList(p: QueryObject, name: string): string[] {
  const v = p[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

export function bool(p: QueryObject, name: string): boolean | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new Ec2Error(
    'InvalidParameterValue',
    `Value (${v}) for parameter ${name} is invalid. Expected a boolean.`,
  );
}

export function int(p: QueryObject, name: string): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) {
    throw new Ec2Error(
      'InvalidParameterValue',
      `Value (${v}) for parameter ${name} is invalid. Expected an integer.`,
    );
  }
  return Number(v);
}

function objList(p: QueryObject, name: string): QueryObject[] {
  const v = p[name];
  if (!Array.isArray(v)) return [];
  return v.filter((x): x is QueryObject => typeof x === 'object' && !Array.isArray(x));
}

export interface Filter {
  name: string;
  values: string[];
}

export function filters(p: QueryObject): Filter[] {
  return objList(p, 'Filter').map((f) => ({ name: str(f, 'Name') ?? '', values: strList(f, 'Value') }));
}

/** `Tag.N.Key`/`Tag.N.Value`; a missing value is `undefined` (DeleteTags deletes whatever value). */
export function tagList(p: QueryObject, name = 'Tag'): { key: string; value?: string }[] {
  return objList(p, name).map((t) => ({ key: str(t, 'Key') ?? '', value: str(t, 'Value') }));
}

export interface TagSpecification {
  resourceType: string;
  tags: Tag[];
}

export function tagSpecifications(p: QueryObject): TagSpecification[] {
  return objList(p, 'TagSpecification').map((s) => ({
    resourceType: str(s, 'ResourceType') ?? '',
    tags: tagList(s).map((t) => ({ key: t.key, value: t.value ?? '' })),
  }));
}
