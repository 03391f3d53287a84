/**
 * Every `eip-keeper` command as `help` describes it: name, arguments, options and what each does. Loading this file
 * loads no command: each is imported only when it runs, so `eip-keeper help` answers at once and a command loads
 * only the AWS SDK clients it uses.
 */
import type { CommandSpec, OptionSpec } from './types';

/** Where the operational commands find the deployment (bin/context.ts). */
export const CONTEXT_OPTIONS = {
  region: {
    type: 'string',
    value: 'R',
    help: 'AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or the profile)',
  },
  stack: {
    type: 'string',
    value: 'NAME',
    help: 'stack whose published deployment to read (default: EIP_KEEPER_STACK, else EipKeeper)',
  },
  table: { type: 'string', value: 'NAME', help: 'table (default: EIP_KEEPER_TABLE, else the deployment)' },
  topic: {
    type: 'string',
    value: 'ARN',
    help: 'alert topic (default: EIP_KEEPER_TOPIC_ARN, else the deployment)',
  },
  config: {
    type: 'string',
    value: 'FILE',
    help: 'configuration file, YAML or JSON (default: EIP_KEEPER_CONFIG, else the deployment)',
  },
  account: { type: 'string', value: 'ID', help: 'account id shown in output (default: the deployment)' },
} as const satisfies Record<string, OptionSpec>;

const json = { type: 'boolean', help: 'print JSON instead of text' } as const satisfies OptionSpec;
const verbose = (help: string) => ({ type: 'boolean', help }) as const satisfies OptionSpec;

export const DEMO_OPTIONS = {
  verbose: verbose('tell every event: routine sweeps, the recorder bookkeeping, each API action'),
} as const;

export const SIMULATE_OPTIONS = { json: { type: 'boolean', help: 'print the final state as JSON' } } as const;

export const LOCAL_OPTIONS = {
  scenario: {
    type: 'string',
    value: 'FILE',
    help: 'seed the region with this scenario, its timeline ending now',
  },
  'write-env': { type: 'string', value: 'FILE', help: "also write the environment as NAME='value' lines" },
} as const;

export const VALIDATE_OPTIONS = {
  json: { type: 'boolean', help: 'print the effective configuration (defaults filled in) as JSON' },
} as const;

export const POOLS_OPTIONS = {
  json,
  members: {
    type: 'boolean',
    help: "print each pool's tagged addresses as the members list its configuration must approve",
  },
  table: CONTEXT_OPTIONS.table,
  region: CONTEXT_OPTIONS.region,
  stack: CONTEXT_OPTIONS.stack,
} as const;

export const SWEEP_OPTIONS = {
  'dry-run': { type: 'boolean', help: 'read and decide everything; write, publish and release nothing' },
  all: { type: 'boolean', help: 'list every address, not only those needing action' },
  json,
  ...CONTEXT_OPTIONS,
} as const;

export const REPORT_OPTIONS = {
  month: { type: 'string', value: 'YYYY-MM', help: 'the month (default: this month)' },
  from: { type: 'string', value: 'YYYY-MM', help: 'first month of a trend (one line per month)' },
  to: { type: 'string', value: 'YYYY-MM', help: 'last month of a trend (default: this month)' },
  format: { type: 'string', value: 'table|csv|json|html', help: 'output format (default: table)' },
  out: { type: 'string', value: 'FILE', help: 'write to FILE instead of standard output' },
  'as-of': { type: 'string', value: 'TIME', help: 'count time up to this ISO 8601 instant (default: now)' },
  org: {
    type: 'boolean',
    help: "one line per member account and region and the organization's total, from the hub's table (--table)",
  },
  table: CONTEXT_OPTIONS.table,
  region: CONTEXT_OPTIONS.region,
  stack: CONTEXT_OPTIONS.stack,
  account: CONTEXT_OPTIONS.account,
} as const;

export const AUDIT_OPTIONS = {
  cluster: {
    type: 'string',
    multiple: true,
    value: 'NAME',
    help: 'audit this cluster (repeatable; default: all)',
  },
  kubernetes: { type: 'boolean', help: "also read each cluster's Kubernetes API" },
  verbose: verbose('show passing checks and the evidence of each'),
  json,
  config: CONTEXT_OPTIONS.config,
  region: CONTEXT_OPTIONS.region,
  stack: CONTEXT_OPTIONS.stack,
} as const;

export const MAX_PODS_OPTIONS = {
  'instance-type': { type: 'string', value: 'T', help: 'read the instance type from DescribeInstanceTypes' },
  enis: { type: 'string', value: 'N', help: 'offline: network interfaces of the type' },
  'ips-per-eni': { type: 'string', value: 'M', help: 'offline: IPv4 addresses per interface' },
  vcpus: { type: 'string', value: 'V', help: 'offline: vCPUs' },
  hypervisor: { type: 'string', value: 'nitro|xen|none', help: 'offline: hypervisor' },
  'cni-version': { type: 'string', value: 'V', help: 'VPC CNI version (default 1.19.2)' },
  'custom-networking': { type: 'boolean', help: 'the CNI uses custom networking (ENIConfig)' },
  'prefix-delegation': { type: 'boolean', help: 'the CNI uses prefix delegation' },
  'max-eni': { type: 'string', value: 'N', help: 'cap the interfaces used' },
  region: CONTEXT_OPTIONS.region,
  json,
} as const;

const OPERATIONAL =
  'Finds the deployment from the region and the stack name: the stack publishes its configuration, table and topic in the SSM parameter /eip-keeper/<stack>/config. Flags and EIP_KEEPER_* variables win over it.';

/** The commands in the order `help` lists them. */
export const COMMAND_SPECS: readonly CommandSpec[] = [
  {
    name: 'demo',
    summary: 'run the bundled stories on a simulated region and tell what happened and why',
    options: DEMO_OPTIONS,
    details: [
      'Four stories, in virtual time: the inventory, the keeper, the sweeper and the auditor; then a closing summary, one alert as it arrives and the finance report. Needs Java for DynamoDB Local; no AWS account.',
    ],
    load: async () => (await import('./demo')).demoCommand,
  },
  {
    name: 'simulate',
    args: '<scenario.json>',
    summary: 'run a scenario on the local simulated region (docs/scenarios.md)',
    options: SIMULATE_OPTIONS,
    load: async () => (await import('./simulate')).simulateCommand,
  },
  {
    name: 'local',
    args: 'up',
    summary: 'keep a simulated region running for the other commands (docs/local.md)',
    options: LOCAL_OPTIONS,
    details: ['Runs until Ctrl-C; prints the environment another shell needs.'],
    load: async () => (await import('./local')).localCommand,
  },
  {
    name: 'validate',
    args: '[file]',
    summary: 'check a configuration file offline (default: the file cdk.json names)',
    options: VALIDATE_OPTIONS,
    details: [
      'Checks every key and range the deploy checks, without AWS. Exit 0 when valid, 6 when not (each problem named, with the key an unknown one most likely meant).',
    ],
    load: async () => (await import('./validate')).validateCommand,
  },
  {
    name: 'pools',
    summary: 'each pool: its EIPs, holder ENI and private IP, idle since',
    options: POOLS_OPTIONS,
    details: [OPERATIONAL],
    load: async () => (await import('./pools')).poolsCommand,
  },
  {
    name: 'sweep',
    summary: 'one sweep now, exactly as the scheduled sweeper runs it',
    options: SWEEP_OPTIONS,
    details: [
      OPERATIONAL,
      'Prints the summary and the addresses needing action first; --all lists every address. A real sweep (without --dry-run) refuses to run without a configuration: on the defaults it could alert on addresses the deployment protects.',
    ],
    load: async () => (await import('./sweep')).sweepCommand,
  },
  {
    name: 'report',
    summary: 'the idle-EIP cost ledger for finance: a month, or a trend over months',
    options: REPORT_OPTIONS,
    details: [
      OPERATIONAL,
      "Figures stop at the ledger's last write (the last sweep) and say how old it is. --format html writes a self-contained page with a chart of idle cost and reclaimed savings per month.",
    ],
    load: async () => (await import('./report')).reportCommand,
  },
  {
    name: 'audit',
    summary: 'node-group readiness report (SGP, custom networking, pod-EIP egress, IP headroom)',
    options: AUDIT_OPTIONS,
    details: [OPERATIONAL, 'Read-only. Exit 4 when a check fails (unknowns do not fail).'],
    load: async () => (await import('./audit')).auditCommand,
  },
  {
    name: 'max-pods',
    summary: 'max pods per node, as max-pods-calculator.sh computes it',
    options: MAX_PODS_OPTIONS,
    details: ['Give --instance-type, or all of --enis --ips-per-eni --vcpus --hypervisor.'],
    load: async () => (await import('./max-pods')).maxPodsCommand,
  },
];

export function commandSpec(name: string): CommandSpec | undefined {
  return COMMAND_SPECS.find((c) => c.name === name);
}
