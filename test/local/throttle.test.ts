import {
  DescribeNetworkInterfacesCommand,
  type DescribeNetworkInterfacesCommandInput,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ec2RateClass, Throttler } from '../../local/core/throttle';
import { type Ec2Sim, startEc2Sim } from '../../local/ec2/harness';

/** How many of `n` calls to one API in the same instant get a token. */
function granted(throttler: Throttler, api: string, n: number): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (throttler.allow('ec2', api)) ok += 1;
  return ok;
}

describe('EC2 throttling: one token bucket per API', () => {
  it('gives each API of a class its own bucket (AssociateAddress does not drain DisassociateAddress)', () => {
    const throttler = new Throttler(() => 0);

    expect(granted(throttler, 'AssociateAddress', 60)).toBe(50);
    expect(granted(throttler, 'DisassociateAddress', 60)).toBe(50);
    expect(granted(throttler, 'ReleaseAddress', 1)).toBe(1);
  });

  it('uses the published sizes: describe 100, ENI calls 100, tags 100, unlisted mutating calls 50', () => {
    const throttler = new Throttler(() => 0);

    expect(granted(throttler, 'DescribeAddresses', 150)).toBe(100);
    expect(granted(throttler, 'CreateNetworkInterface', 150)).toBe(100);
    expect(granted(throttler, 'AssignPrivateIpAddresses', 150)).toBe(100);
    expect(granted(throttler, 'CreateTags', 150)).toBe(100);
    expect(granted(throttler, 'ModifyNetworkInterfaceAttribute', 150)).toBe(50);
    expect(granted(throttler, 'DescribeNetworkInterfaces:unfiltered', 150)).toBe(50);
  });

  it('refills each bucket at its own rate, on the clock it is given only', () => {
    let now = 0;
    const throttler = new Throttler(() => now);
    granted(throttler, 'AssociateAddress', 50);
    granted(throttler, 'CreateTags', 100);
    granted(throttler, 'DescribeAddresses', 100);

    expect(granted(throttler, 'AssociateAddress', 10)).toBe(0);
    now += 2_000;

    expect(granted(throttler, 'AssociateAddress', 100)).toBe(10);
    expect(granted(throttler, 'CreateTags', 100)).toBe(20);
    expect(granted(throttler, 'DescribeAddresses', 100)).toBe(40);
  });

  it('classes Describe/Get/List as non-mutating and anything unlisted as mutating', () => {
    expect(ec2RateClass('DescribeInstanceTypes')).toBe('nonMutating');
    expect(ec2RateClass('GetConsoleOutput')).toBe('nonMutating');
    expect(ec2RateClass('DeleteTags')).toBe('tags');
    expect(ec2RateClass('UnassignPrivateIpAddresses')).toBe('networkInterface');
    expect(ec2RateClass('AttachNetworkInterface')).toBe('mutating');
  });
});

describe('the unfiltered DescribeNetworkInterfaces bucket, through the SDK', () => {
  let sim: Ec2Sim;
  let ec2: EC2Client;

  beforeEach(async () => {
    sim = await startEc2Sim();
    ec2 = sim.client();
    const vpc = sim.state.addVpc({ cidrBlock: '10.0.0.0/16' });
    sim.state.addSubnet({ vpcId: vpc.vpcId, availabilityZone: 'eu-west-1a', cidrBlock: '10.0.1.0/24' });
    sim.enableThrottling();
  });

  afterEach(async () => {
    await sim.stop();
  });

  const outcomes = async (input: DescribeNetworkInterfacesCommandInput, n: number) => {
    const settled = await Promise.allSettled(
      Array.from({ length: n }, () => ec2.send(new DescribeNetworkInterfacesCommand(input))),
    );
    return settled.filter((s) => s.status === 'fulfilled').length;
  };

  it('throttles an unpaginated, unfiltered listing after 50 calls while paginated listings keep their 100', async () => {
    const unfiltered = await outcomes({}, 60);
    const paginated = await outcomes({ MaxResults: 5 }, 110);
    const byVpc = await outcomes({ Filters: [{ Name: 'vpc-id', Values: ['vpc-x'] }] }, 10);

    expect(unfiltered).toBe(50);
    // Paginated and filtered listings share DescribeNetworkInterfaces' own bucket.
    expect(paginated).toBe(100);
    expect(byVpc).toBe(0);
    expect(sim.server.calls.filter((c) => c.outcome === 'throttled')).toHaveLength(30);
  });
});
