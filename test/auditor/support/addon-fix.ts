/** The fix an operator applies for security groups for pods: the VPC CNI add-on updated as the account's admin. */
import { EKSClient, UpdateAddonCommand } from '@aws-sdk/client-eks';
import type { SimulatedRegion } from '../../../local/region';
import { clientOptions } from '../../../shared/aws/clients';

/** ENABLE_POD_ENI on, and TCP early demux off for the init container (the auditor's fixes for cluster `prod`). */
export async function enablePodEniAsAdmin(region: SimulatedRegion, clusterName = 'prod'): Promise<void> {
  const admin = new EKSClient(clientOptions(region.connection('admin'), 'eks'));
  try {
    await admin.send(
      new UpdateAddonCommand({
        clusterName,
        addonName: 'vpc-cni',
        configurationValues:
          '{"env":{"ENABLE_POD_ENI":"true"},"init":{"env":{"DISABLE_TCP_EARLY_DEMUX":"true"}}}',
      }),
    );
  } finally {
    admin.destroy();
  }
}
