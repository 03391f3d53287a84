/**
 * The EC2 service of the local simulated region. A scenario builds an `Ec2State` over the region's ServiceEnv,
 * seeds it (`addVpc`, `addSubnet`, `addRouteTable`, `addSecurityGroup`, `addInstance`, `addNetworkInterface`,
 * `addAddress`), registers `createEc2Service(state)` with the SimulatedServer, and reads snapshots
 * (`addresses()`, `networkInterfaces()`, `subnets()`, ..., `snapshot()`) for its output.
 */
export { Ec2Error } from './errors';
export type { InstanceTypeInfo, NetworkCardInfo } from './instance-types';
export { INSTANCE_TYPES } from './instance-types';
export { createEc2Service, EC2_ACTIONS, type Ec2Service } from './service';
export type {
  Address,
  AddressAssociation,
  AddressSnapshot,
  Ec2StateOptions,
  GroupIdentifier,
  Instance,
  InstanceStateName,
  NetworkInterface,
  NetworkInterfaceAttachment,
  OperationOptions,
  Route,
  RouteTable,
  RouteTableAssociation,
  SecurityGroup,
  Subnet,
  SubnetSnapshot,
  Tag,
  TagInput,
  Vpc,
} from './state';
export { Ec2State } from './state';
