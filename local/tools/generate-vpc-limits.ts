/**
 * Regenerates shared/instance-types/vpc-limits.generated.json from the VPC resource controller's published table,
 * `pkg/aws/vpc/limits.go` of github.com/aws/amazon-vpc-resource-controller-k8s (the table the controller itself uses
 * to decide trunking and to advertise `vpc.amazonaws.com/pod-eni`; Karpenter computes max pods from the same file).
 *
 *   npm run generate:vpc-limits -- path/to/limits.go
 *
 * Reads the Go source as text: every entry of `var Limits = map[string]*VPCLimits{...}`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ParsedLimits {
  instanceType: string;
  enis: number;
  ipv4PerEni: number;
  trunking: boolean;
  branchEnis: number;
  defaultCardIndex: number;
  /** MaximumNetworkInterfaces of each network card, by card index. */
  cards: number[];
  hypervisor: 'nitro' | 'xen' | '';
  bareMetal: boolean;
}

function field(body: string, name: string): string {
  const m = new RegExp(`\\b${name}:\\s+([^,\\n]+),`).exec(body);
  if (!m?.[1]) throw new Error(`limits.go: field ${name} missing in ${body.slice(0, 80)}`);
  return m[1].trim();
}

export function parseLimitsGo(source: string): { generatedAt: string | undefined; rows: ParsedLimits[] } {
  const start = source.indexOf('var Limits = map[string]*VPCLimits{');
  if (start < 0) throw new Error('limits.go: `var Limits = map[string]*VPCLimits{` not found');
  const generatedAt = /This file was generated at (\S+)/.exec(source)?.[1];
  const rows: ParsedLimits[] = [];
  for (const m of source.slice(start).matchAll(/\n\t"([^"]+)": \{([\s\S]*?)\n\t\},/g)) {
    const [, instanceType = '', body = ''] = m;
    const cards: number[] = [];
    for (const c of body.matchAll(/MaximumNetworkInterfaces:\s+(\d+),\s*NetworkCardIndex:\s+(\d+),/g))
      cards[Number(c[2])] = Number(c[1]);
    const hypervisor = JSON.parse(field(body, 'Hypervisor')) as string;
    if (hypervisor !== 'nitro' && hypervisor !== 'xen' && hypervisor !== '')
      throw new Error(`limits.go: ${instanceType} has hypervisor "${hypervisor}"`);
    rows.push({
      instanceType,
      enis: Number(field(body, 'Interface')),
      ipv4PerEni: Number(field(body, 'IPv4PerInterface')),
      trunking: field(body, 'IsTrunkingCompatible') === 'true',
      branchEnis: Number(field(body, 'BranchInterface')),
      defaultCardIndex: Number(field(body, 'DefaultNetworkCardIndex')),
      cards: Array.from(cards, (n) => n ?? 0),
      hypervisor,
      bareMetal: field(body, 'IsBareMetal') === 'true',
    });
  }
  if (rows.length === 0) throw new Error('limits.go: no entries found');
  return { generatedAt, rows: rows.sort((a, b) => (a.instanceType < b.instanceType ? -1 : 1)) };
}

const SOURCE_NOTE =
  'pkg/aws/vpc/limits.go of github.com/aws/amazon-vpc-resource-controller-k8s, via local/tools/generate-vpc-limits.ts (do not edit)';
const COLUMNS = [
  'ENIs',
  'IPv4 per ENI',
  'branch ENIs (0: not trunking-compatible)',
  'hypervisor n|x|- plus m for bare metal',
  'default network card index',
  'maximum ENIs per network card',
];

/** The table as JSON, one instance type per line (a data file, read by shared/instance-types/vpc-limits.ts). */
export function renderGenerated(parsed: ReturnType<typeof parseLimitsGo>): string {
  const lines = parsed.rows.map((r) => {
    const flags = `${r.hypervisor === 'nitro' ? 'n' : r.hypervisor === 'xen' ? 'x' : '-'}${r.bareMetal ? 'm' : ''}`;
    // A trunking-compatible type always has branch ENIs and an incompatible one none (checked by the tests).
    const row = [r.enis, r.ipv4PerEni, r.trunking ? r.branchEnis : 0, flags, r.defaultCardIndex, r.cards];
    return `    ${JSON.stringify(r.instanceType)}: ${JSON.stringify(row).replaceAll(',', ', ')}`;
  });
  return [
    '{',
    `  "source": ${JSON.stringify(SOURCE_NOTE)},`,
    `  "generatedAt": ${JSON.stringify(parsed.generatedAt ?? null)},`,
    `  "columns": ${JSON.stringify(COLUMNS).replaceAll('","', '", "')},`,
    '  "rows": {',
    lines.join(',\n'),
    '  }',
    '}',
    '',
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const input = process.argv[2];
  if (!input) {
    console.error('usage: npm run generate:vpc-limits -- path/to/limits.go');
    process.exit(2);
  }
  const parsed = parseLimitsGo(readFileSync(input, 'utf8'));
  const out = fileURLToPath(
    new URL('../../shared/instance-types/vpc-limits.generated.json', import.meta.url),
  );
  writeFileSync(out, renderGenerated(parsed));
  console.error(`wrote ${parsed.rows.length} instance types to ${path.relative(process.cwd(), out)}`);
}
