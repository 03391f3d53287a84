/**
 * Seeds a scenario's initial state straight into the simulated region (no CloudTrail events: this is what already
 * existed when eip-keeper was deployed).
 */
import { seedAuditorState } from '../eks/scenario';
import type { SimulatedRegion } from '../region';
import { type InitialState, InvalidScenarioError } from './schema';

export function seedRegion(region: SimulatedRegion, state: InitialState, labels: Map<string, string>): void {
  const ec2 = region.ec2;
  if (state.addressLimit !== undefined) ec2.addressLimit = state.addressLimit;
  if (state.unpaginatedEniLimit !== undefined) ec2.unpaginatedEniLimit = state.unpaginatedEniLimit;
  for (const t of state.instanceTypes) {
    ec2.addInstanceType({
      instanceType: t.instanceType,
      currentGeneration: true,
      bareMetal: t.bareMetal,
      ...(t.hypervisor ? { hypervisor: t.hypervisor } : {}),
      architecture: t.architecture,
      defaultVCpus: t.vcpus,
      maximumNetworkInterfaces: t.enis * t.networkCards,
      ipv4AddressesPerInterface: t.ipv4PerEni,
      defaultNetworkCardIndex: 0,
      networkCards: Array.from({ length: t.networkCards }, (_, i) => ({
        networkCardIndex: i,
        maximumNetworkInterfaces: t.enis,
      })),
    });
  }
  for (const v of state.vpcs) ec2.addVpc({ vpcId: v.id, cidrBlock: v.cidr, tags: v.tags });
  for (const s of state.subnets) {
    ec2.addSubnet({
      subnetId: s.id,
      vpcId: s.vpcId,
      availabilityZone: s.az,
      cidrBlock: s.cidr,
      otherUsedIps: s.usedIps,
      tags: s.tags,
    });
  }
  for (const r of state.routeTables) {
    ec2.addRouteTable({
      routeTableId: r.id,
      vpcId: r.vpcId,
      main: r.main,
      subnetIds: r.subnetIds,
      routes: r.routes.map((route) => ({
        destinationCidrBlock: route.destination,
        gatewayId: route.gatewayId,
        natGatewayId: route.natGatewayId,
      })),
    });
  }
  for (const g of state.securityGroups)
    ec2.addSecurityGroup({ groupId: g.id, groupName: g.name, vpcId: g.vpcId });
  for (const i of state.instances) {
    ec2.addInstance({
      instanceId: i.id,
      instanceType: i.instanceType,
      subnetId: i.subnetId,
      launchTime: i.launchTime,
      tags: i.tags,
    });
  }
  for (const n of state.networkInterfaces) {
    ec2.addNetworkInterface({
      networkInterfaceId: n.id,
      subnetId: n.subnetId,
      description: n.description,
      interfaceType: n.interfaceType,
      securityGroupIds: n.securityGroupIds,
      privateIpAddress: n.privateIp,
      secondaryPrivateIpAddresses: n.secondaryPrivateIps,
      tags: n.tags,
      attachment: n.instanceId ? { instanceId: n.instanceId, deviceIndex: n.deviceIndex ?? 1 } : undefined,
      requesterManaged: n.requesterManaged,
    });
  }
  for (const a of state.addresses) {
    const address = ec2.addAddress({
      allocationId: a.allocationId,
      publicIp: a.publicIp,
      tags: a.tags,
      serviceManaged: a.serviceManaged,
      publicIpv4Pool: a.publicIpv4Pool,
      locked: a.locked,
      ptrSet: a.ptrSet,
      association: a.networkInterfaceId
        ? { networkInterfaceId: a.networkInterfaceId, privateIpAddress: a.privateIp }
        : undefined,
    });
    if (a.as) labels.set(a.as, address.allocationId);
  }
  // Hosted zones (a record may name an address by id or label) and SSM parameters.
  for (const z of state.hostedZones ?? []) {
    region.route53.addZone({
      id: z.id,
      name: z.name,
      privateZone: z.private,
      records: z.records.map((r) => {
        const ip = r.address ? ec2.addressById.get(labels.get(r.address) ?? r.address)?.publicIp : undefined;
        if (r.address && !ip)
          throw new InvalidScenarioError(
            `hosted zone ${z.name}: record ${r.name} names unknown address ${r.address}`,
          );
        return { name: r.name, type: r.type, ttl: r.ttl, values: ip ? [...r.values, ip] : r.values };
      }),
    });
  }
  for (const p of state.ssmParameters ?? []) region.ssm.put(p.name, p.value, p.type);
  seedAuditorState(region, state); // EKS, IAM, Kubernetes objects
}
