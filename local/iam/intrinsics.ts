/**
 * Resolves the CloudFormation intrinsic functions a synthesized policy holds (`Ref`, `Fn::GetAtt`, `Fn::Join`,
 * `Fn::Sub`, `Fn::Select`, `Fn::Split`) to the values the simulated region gives those resources, so a policy is
 * evaluated with real ARNs. Pure: the physical names come from `names`.
 */

export interface PhysicalNames {
  partition: string;
  region: string;
  accountId: string;
  /** What `{ Ref: logicalId }` returns for a resource of the template. */
  ref(logicalId: string): string;
  /** What `{ 'Fn::GetAtt': [logicalId, attribute] }` returns. */
  getAtt(logicalId: string, attribute: string): string;
}

/** A template value this resolver cannot turn into a string (an unknown intrinsic, a condition function). */
export class UnresolvableTokenError extends Error {
  override readonly name = 'UnresolvableTokenError';
}

function pseudo(name: string, n: PhysicalNames): string | undefined {
  const values: Record<string, string> = {
    'AWS::Partition': n.partition,
    'AWS::Region': n.region,
    'AWS::AccountId': n.accountId,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': 'EipKeeper',
  };
  return values[name];
}

function resolveString(value: unknown, n: PhysicalNames): string {
  const out = resolveIntrinsics(value, n);
  if (typeof out !== 'string')
    throw new UnresolvableTokenError(`expected a string, got ${JSON.stringify(value)}`);
  return out;
}

function resolveFunction(key: string, arg: unknown, n: PhysicalNames): unknown {
  switch (key) {
    case 'Ref': {
      const name = String(arg);
      return pseudo(name, n) ?? n.ref(name);
    }
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = Array.isArray(arg) ? arg : String(arg).split('.');
      return n.getAtt(String(logicalId), String(attribute));
    }
    case 'Fn::Join': {
      const [separator, parts] = arg as [string, unknown[]];
      return parts.map((p) => resolveString(p, n)).join(separator);
    }
    case 'Fn::Select': {
      const [index, list] = arg as [unknown, unknown];
      const items = resolveIntrinsics(list, n) as unknown[];
      return items[Number(resolveIntrinsics(index, n))];
    }
    case 'Fn::Split': {
      const [separator, source] = arg as [string, unknown];
      return resolveString(source, n).split(separator);
    }
    case 'Fn::Sub': {
      const [template, vars = {}] = Array.isArray(arg) ? arg : [arg, {}];
      const bound = resolveIntrinsics(vars, n) as Record<string, string>;
      return String(template).replace(/\$\{([^}]+)\}/g, (_, name: string) => {
        if (name in bound) return String(bound[name]);
        if (name.includes('.')) return n.getAtt(...(name.split('.', 2) as [string, string]));
        return pseudo(name, n) ?? n.ref(name);
      });
    }
    default:
      throw new UnresolvableTokenError(`${key} is not resolved in the simulated region`);
  }
}

/** The value with every intrinsic function replaced by what it evaluates to. */
export function resolveIntrinsics(value: unknown, n: PhysicalNames): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, n));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const [first] = entries;
  if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
    return resolveFunction(first[0], first[1], n);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveIntrinsics(v, n)]));
}
