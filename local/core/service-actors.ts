/**
 * AWS services that create ENIs in the account, as CloudTrail records them: each acts through its service-linked role
 * (a NAT gateway through EC2 itself), from the service's host, and the ENIs it creates are requester-managed, with the
 * requester id and interface type DescribeNetworkInterfaces then shows. eip-keeper must never give such an ENI a pool
 * EIP, whatever its security groups or subnet.
 */
import { assumedRole } from './identities';
import type { CallerIdentity } from './types';

type ServiceCaller = Omit<CallerIdentity, 'actor'>;

function viaServiceRole(
  accountId: string,
  o: { role: string; session: string; host: string; requesterId: string; interfaceType: string },
): ServiceCaller {
  const userIdentity = assumedRole(accountId, o.role, o.session, o.host);
  return {
    userIdentity,
    principalArn: userIdentity.arn,
    userAgent: o.host,
    sourceIp: o.host,
    requester: { requesterId: o.requesterId, interfaceType: o.interfaceType },
  };
}

/** Actor name → how that service calls EC2 in `accountId`. */
export const SERVICE_ACTORS: Readonly<Record<string, (accountId: string) => ServiceCaller>> = {
  lambda: (a) =>
    viaServiceRole(a, {
      role: 'AWSServiceRoleForLambda',
      session: 'lambda',
      host: 'lambda.amazonaws.com',
      requesterId: '378295471011',
      interfaceType: 'lambda',
    }),
  efs: (a) =>
    viaServiceRole(a, {
      role: 'AWSServiceRoleForAmazonElasticFileSystem',
      session: 'elasticfilesystem',
      host: 'elasticfilesystem.amazonaws.com',
      requesterId: '641391453216',
      interfaceType: 'efs',
    }),
  alb: (a) =>
    viaServiceRole(a, {
      role: 'AWSServiceRoleForElasticLoadBalancing',
      session: 'ElasticLoadBalancing',
      host: 'elasticloadbalancing.amazonaws.com',
      requesterId: 'amazon-elb',
      interfaceType: 'interface',
    }),
  nlb: (a) =>
    viaServiceRole(a, {
      role: 'AWSServiceRoleForElasticLoadBalancing',
      session: 'ElasticLoadBalancing',
      host: 'elasticloadbalancing.amazonaws.com',
      requesterId: 'amazon-elb',
      interfaceType: 'network_load_balancer',
    }),
  'nat-gateway': () => ({
    userIdentity: { type: 'AWSService', invokedBy: 'ec2.amazonaws.com' },
    // An AWS service acting for itself has no ARN in the account; IAM governs none of these callers.
    principalArn: 'ec2.amazonaws.com',
    userAgent: 'ec2.amazonaws.com',
    sourceIp: 'ec2.amazonaws.com',
    requester: { requesterId: '223145668910', interfaceType: 'nat_gateway' },
  }),
};
