/**
 * Adapter: the managed policies attached to a cluster role (IAM ListAttachedRolePolicies). IAM may be denied to the
 * auditor; that is an unavailable input, not an error.
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import type { RuntimeSdk } from '../../aws/runtime-sdk';
import { type Available, availableValue, unavailable } from '../model';
import type { IamPort } from '../ports';

const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);

export class IamReader implements IamPort {
  constructor(
    private readonly iam: IAMClient,
    private readonly sdk: Pick<RuntimeSdk['@aws-sdk/client-iam'], 'paginateListAttachedRolePolicies'>,
  ) {}

  async attachedPolicyArns(roleArn: string): Promise<Available<string[]>> {
    const roleName = roleArn.split('/').pop() ?? roleArn;
    try {
      const arns: string[] = [];
      for await (const page of this.sdk.paginateListAttachedRolePolicies(
        { client: this.iam },
        { RoleName: roleName },
      ))
        for (const p of page.AttachedPolicies ?? []) if (p.PolicyArn) arns.push(p.PolicyArn);
      return availableValue(arns.sort());
    } catch (err) {
      const name = (err as { name?: string }).name ?? '';
      if (DENIED.has(name))
        return unavailable(
          `IAM denied ListAttachedRolePolicies on ${roleName}`,
          `allow iam:ListAttachedRolePolicies on ${roleArn} for the auditor's role`,
        );
      if (name === 'NoSuchEntity' || name === 'NoSuchEntityException')
        return unavailable(
          `the cluster role ${roleName} does not exist`,
          `check the cluster's role: aws eks describe-cluster --name <cluster> --query cluster.roleArn`,
        );
      throw err;
    }
  }
}
