/**
 * The simulated EC2 world: its model (model.ts), seeding from scenarios (seed.ts), one module of operations per
 * resource mirroring `../actions/` (addresses.ts, network-interfaces.ts, tags.ts, describe.ts), and `Ec2State`,
 * the one object the service, the actions and the scenarios hold.
 */
export { Ec2State } from './ec2-state';
export { dryRunOperation } from './lookups';
export * from './model';
export type {
  AddressSeed,
  InstanceSeed,
  NetworkInterfaceSeed,
  RouteTableSeed,
  SecurityGroupSeed,
  SubnetSeed,
  VpcSeed,
} from './seed';
export { toTags, validateTags } from './tags';
