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
import { noPositionals, parseOptions } from '../args';
import { MAX_PODS_OPTIONS } from './catalog';
import { type CliCommand, UsageError } from './types';

/** The CNI version assumed when `--cni-version` is not given (prefix delegation counts from 1.9). */
export const DEFAULT_CNI_VERSION = '1.19.2';

const HYPERVISORS: readonly Hypervisor[] = ['nitro', 'xen', 'none'];
/** The options that describe an instance type without DescribeInstanceTypes. */
const OFFLINE = ['enis', 'ips-per-eni', 'vcpus', 'hypervisor'] as const;

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

const OPTIONS = MAX_PODS_OPTIONS;

type Values = ReturnType<typeof parseOptions<typeof OPTIONS>>['values'];

/** The calculator inputs: from DescribeInstanceTypes (`--instance-type`), or given one by one. */
async function instanceNetwork(values: Values): Promise<InstanceNetwork> {
  const offline = OFFLINE.filter((k) => values[k] !== undefined);
  if (values['instance-type']) {
    if (offline.length > 0) throw new UsageError(`--instance-type and --${offline[0]} exclude each other`);
    return describe(values['instance-type'], values.region);
  }
  const missing = OFFLINE.filter((k) => values[k] === undefined);
  if (missing.length > 0)
    throw new UsageError(
      `give --instance-type, or all of --enis --ips-per-eni --vcpus --hypervisor (missing --${missing.join(', --')})`,
    );
  const hypervisor = values.hypervisor as Hypervisor;
  if (!HYPERVISORS.includes(hypervisor))
    throw new UsageError(`--hypervisor must be one of ${HYPERVISORS.join(', ')}`);
  return {
    maxEnis: positiveInt('enis', values.enis) as number,
    ipv4PerEni: positiveInt('ips-per-eni', values['ips-per-eni']) as number,
    vcpus: positiveInt('vcpus', values.vcpus) as number,
    hypervisor,
    bareMetal: hypervisor === 'none',
  };
}

export const maxPodsCommand: CliCommand = {
  name: 'max-pods',
  async run(args) {
    const { values, positionals } = parseOptions(args, OPTIONS);
    noPositionals(positionals);
    const net = await instanceNetwork(values);
    const maxEni = positiveInt('max-eni', values['max-eni']);
    let result: ReturnType<typeof computeMaxPods>;
    try {
      result = computeMaxPods(net, {
        cniVersion: values['cni-version'] ?? DEFAULT_CNI_VERSION,
        customNetworking: values['custom-networking'] === true,
        prefixDelegation: values['prefix-delegation'] === true,
        ...(maxEni !== undefined ? { maxEni } : {}),
      });
    } catch (err) {
      if (err instanceof InvalidCniVersionError || err instanceof InvalidMaxPodsInputError)
        throw new UsageError(err.message);
      throw err;
    }
    if (values.json) {
      const { maxPods, maxPodsUncapped, ...rest } = result;
      process.stdout.write(`${JSON.stringify({ maxPods, maxPodsUncapped, ...rest })}\n`);
    } else process.stdout.write(`${formatMaxPods(result)}\n`);
    return 0;
  },
};
