/**
 * `eip-keeper max-pods`: the max pods of an instance type exactly as amazon-eks-ami's max-pods-calculator.sh
 * computes it, from DescribeInstanceTypes (current credentials and region; the SDK honours AWS_ENDPOINT_URL_EC2), or
 * offline from `--enis --ips-per-eni --vcpus --hypervisor`.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { Ec2Reader } from '../../shared/auditor/adapters/ec2';
import {
  computeMaxPods,
  type Hypervisor,
  type InstanceNetwork,
  InvalidMaxPodsInputError,
} from '../../shared/auditor/max-pods';
import { formatMaxPods } from '../../shared/auditor/report';
import { InvalidCniVersionError } from '../../shared/auditor/versions';
import { type CliCommand, parseFlags, UsageError } from './types';

/** The CNI version assumed when `--cni-version` is not given (prefix delegation counts from 1.9). */
export const DEFAULT_CNI_VERSION = '1.19.2';

const HYPERVISORS: readonly Hypervisor[] = ['nitro', 'xen', 'none'];

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new UsageError(`--${name} must be a whole number ≥ 1, got "${value}"`);
  return Number(value);
}

async function describe(instanceType: string, region: string | undefined): Promise<InstanceNetwork> {
  const ec2 = new EC2Client(region ? { region } : {});
  try {
    const found = await new Ec2Reader(ec2).instanceTypes([instanceType]);
    const net = found[instanceType];
    if (!net) throw new UsageError(`DescribeInstanceTypes does not know instance type ${instanceType}`);
    return net;
  } finally {
    ec2.destroy();
  }
}

export const maxPodsCommand: CliCommand = {
  name: 'max-pods',
  usage:
    'max-pods --instance-type T | --enis N --ips-per-eni M --vcpus V --hypervisor nitro|xen|none  [--cni-version V] [--custom-networking] [--prefix-delegation] [--max-eni N] [--json]   max pods per node (max-pods-calculator.sh)',
  async run(args) {
    const { flags, switches, positional } = parseFlags(args, {
      values: [
        'instance-type',
        'cni-version',
        'max-eni',
        'enis',
        'ips-per-eni',
        'vcpus',
        'hypervisor',
        'region',
      ],
      switches: ['custom-networking', 'prefix-delegation', 'json'],
    });
    if (positional.length > 0) throw new UsageError(`unexpected argument ${positional[0]}`);
    const offline = ['enis', 'ips-per-eni', 'vcpus', 'hypervisor'].filter((k) => flags[k] !== undefined);
    let net: InstanceNetwork;
    if (flags['instance-type']) {
      if (offline.length > 0) throw new UsageError(`--instance-type and --${offline[0]} exclude each other`);
      net = await describe(flags['instance-type'], flags.region);
    } else {
      const missing = ['enis', 'ips-per-eni', 'vcpus', 'hypervisor'].filter((k) => flags[k] === undefined);
      if (missing.length > 0)
        throw new UsageError(
          `give --instance-type, or all of --enis --ips-per-eni --vcpus --hypervisor (missing --${missing.join(', --')})`,
        );
      const hypervisor = flags.hypervisor as Hypervisor;
      if (!HYPERVISORS.includes(hypervisor))
        throw new UsageError(`--hypervisor must be one of ${HYPERVISORS.join(', ')}`);
      net = {
        maxEnis: positiveInt('enis', flags.enis) as number,
        ipv4PerEni: positiveInt('ips-per-eni', flags['ips-per-eni']) as number,
        vcpus: positiveInt('vcpus', flags.vcpus) as number,
        hypervisor,
        bareMetal: hypervisor === 'none',
      };
    }
    const maxEni = positiveInt('max-eni', flags['max-eni']);
    let result: ReturnType<typeof computeMaxPods>;
    try {
      result = computeMaxPods(net, {
        cniVersion: flags['cni-version'] ?? DEFAULT_CNI_VERSION,
        customNetworking: switches.has('custom-networking'),
        prefixDelegation: switches.has('prefix-delegation'),
        ...(maxEni !== undefined ? { maxEni } : {}),
      });
    } catch (err) {
      if (err instanceof InvalidCniVersionError || err instanceof InvalidMaxPodsInputError)
        throw new UsageError(err.message);
      throw err;
    }
    if (switches.has('json')) {
      const { maxPods, maxPodsUncapped, ...rest } = result;
      process.stdout.write(`${JSON.stringify({ maxPods, maxPodsUncapped, ...rest })}\n`);
    } else process.stdout.write(`${formatMaxPods(result)}\n`);
    return 0;
  },
};
