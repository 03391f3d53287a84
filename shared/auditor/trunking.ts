/**
 * Which instance types get a trunk ENI, and how many pods with security groups one node can run. The VPC resource
 * controller decides both from its own table, `pkg/aws/vpc/limits.go` (github.com/aws/amazon-vpc-resource-controller-k8s):
 * it attaches a trunk ENI only to a type marked `IsTrunkingCompatible`, and advertises `BranchInterface` as the node's
 * `vpc.amazonaws.com/pod-eni` capacity (EKS user guide, security-groups-for-pods: "m5.large can have up to 9 branch
 * network interfaces"). A type missing from the table gets no trunk ENI either. Pure: no AWS import.
 */
import { VPC_LIMITS_AS_OF, vpcLimits } from '../instance-types/vpc-limits';

export interface TrunkSupport {
  instanceType: string;
  compatible: boolean;
  /** Branch ENIs (pods with security groups) one node can carry; 0 when not compatible. */
  branchInterfaces: number;
  /** Why, in words, for evidence. */
  reason: string;
}

export const BRANCH_RESOURCE = 'vpc.amazonaws.com/pod-eni';

export function trunkSupport(instanceType: string): TrunkSupport {
  const limits = vpcLimits(instanceType);
  if (!limits)
    return {
      instanceType,
      compatible: false,
      branchInterfaces: 0,
      reason: `${instanceType} is not in the VPC resource controller's limits table (as of ${VPC_LIMITS_AS_OF.slice(0, 10)}), so the controller attaches no trunk ENI to it`,
    };
  if (!limits.trunkingCompatible) {
    const family = instanceType.split('.')[0] ?? instanceType;
    const hint = /^t\d/.test(family)
      ? ` (${family} is a burstable family)`
      : limits.hypervisor === 'xen'
        ? ' (a Xen-based type)'
        : '';
    return {
      instanceType,
      compatible: false,
      branchInterfaces: 0,
      reason: `the VPC resource controller marks ${instanceType} not trunking-compatible${hint}: no trunk ENI, no branch ENIs`,
    };
  }
  return {
    instanceType,
    compatible: true,
    branchInterfaces: limits.branchInterfaces,
    reason: `trunking-compatible, ${limits.branchInterfaces} branch ENIs per node (${BRANCH_RESOURCE})`,
  };
}
