/**
 * An EC2 API error the caller must see: `code` becomes the SDK exception's `name`, the HTTP status is 400 (412 for
 * DryRunOperation, 503 for RequestLimitExceeded) as EC2 sends them. Thrown inside actions, turned into an EC2
 * error response (and a failed CloudTrail record) by the service; anything else thrown is a simulator bug.
 */
export class Ec2Error extends Error {
  override readonly name = 'Ec2Error';

  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export const notFound = {
  allocation: (id: string) =>
    new Ec2Error('InvalidAllocationID.NotFound', `The allocation ID '${id}' does not exist`),
  association: (id: string) =>
    new Ec2Error('InvalidAssociationID.NotFound', `The association ID '${id}' does not exist`),
  address: (ip: string) => new Ec2Error('InvalidAddress.NotFound', `Address '${ip}' not found.`),
  networkInterface: (id: string) =>
    new Ec2Error('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${id}' does not exist`),
  subnet: (id: string) => new Ec2Error('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`),
  vpc: (id: string) => new Ec2Error('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`),
  routeTable: (id: string) =>
    new Ec2Error('InvalidRouteTableID.NotFound', `The routeTable ID '${id}' does not exist`),
  securityGroup: (id: string) =>
    new Ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`),
  instance: (id: string) =>
    new Ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`),
};

export function invalidParameterValue(message: string): Ec2Error {
  return new Ec2Error('InvalidParameterValue', message);
}
