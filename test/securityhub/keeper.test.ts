/**
 * The keeper's findings on the simulated region: a pool address a human associates with an ENI outside eip-keeper is
 * a finding on that ENI and the address, imported with the keeper's alert, and archived by the reconcile that sees
 * the address back in the pool.
 */
import { CreateNetworkInterfaceCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { KeeperRegion } from '../keeper/support/region';
import { regionPerTest } from '../support/region';
import { OTHER_SG, paymentsPool, SUBNET } from '../support/world';

const startRegion = regionPerTest(KeeperRegion.start);
const MINUTE = 60_000;

describe('pool addresses held outside eip-keeper in Security Hub', () => {
  it('appear with the alert on the ENI and the address, and are archived once the address is back in the pool', async () => {
    const k = await startRegion({
      eips: 2,
      config: { pools: [paymentsPool()], securityHub: { enabled: true } },
    });
    const created = await k
      .ec2As('admin')
      .send(
        new CreateNetworkInterfaceCommand({ SubnetId: SUBNET, Description: 'bastion', Groups: [OTHER_SG] }),
      );
    const bastion = created.NetworkInterface?.NetworkInterfaceId as string;
    const address = k.pool[0] as string;
    await k.associateByHand(address, bastion);
    await k.region.settle();
    await k.region.advance(5 * MINUTE);

    expect(k.alerts('associated outside eip-keeper')).toHaveLength(1);
    const [held, ...others] = k.region.securityHub.findings.all();
    expect(others).toEqual([]);
    expect(held).toMatchObject({
      GeneratorId: 'eip-keeper/untrusted-eni',
      RecordState: 'ACTIVE',
      Severity: { Label: 'HIGH' },
      Resources: [
        { Type: 'AwsEc2NetworkInterface', Id: expect.stringContaining(`network-interface/${bastion}`) },
        { Type: 'AwsEc2Eip', Id: expect.stringContaining(`elastic-ip/${address}`) },
      ],
    });

    await k.region.advance(5 * MINUTE); // another reconcile: the hold is still there, nothing to import
    await k.disassociateByHand(address);
    await k.region.advance(5 * MINUTE);

    expect(k.region.securityHub.findings.all()).toEqual([
      expect.objectContaining({ Id: held?.Id, RecordState: 'ARCHIVED', Workflow: { Status: 'NEW' } }),
    ]);
    const imports = k.region.server.calls.filter((c) => c.action === 'BatchImportFindings');
    expect(imports.map((c) => `${c.functionId}:${c.outcome}`)).toEqual([
      expect.stringMatching(/^Keeper(Events|Reconciler):ok$/),
      'KeeperReconciler:ok',
    ]);
  });
});
