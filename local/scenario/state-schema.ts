/**
 * The `state` of a scenario (docs/scenarios.md#state): the region as it stood before the first step, seeded without
 * CloudTrail events.
 */
import { z } from 'zod';
import { EksScenarioSchema, IamRolesScenarioSchema } from '../eks/scenario';

export const tags = z.record(z.string().min(1).max(128), z.string().max(256));

/** An instance type DescribeInstanceTypes then reports, with the numbers max-pods arithmetic reads. */
export const InstanceTypeSchema = z
  .object({
    instanceType: z.string().regex(/^[a-z0-9-]+\.[a-z0-9-]+$/, 'a name like family.size'),
    vcpus: z.number().int().positive(),
    /** ENIs per network card (one card unless `networkCards` says more). */
    enis: z.number().int().positive(),
    ipv4PerEni: z.number().int().positive(),
    hypervisor: z.enum(['nitro', 'xen']).optional(),
    bareMetal: z.boolean().default(false),
    architecture: z.enum(['x86_64', 'arm64', 'x86_64_mac', 'arm64_mac']).default('x86_64'),
    networkCards: z.number().int().min(1).max(16).default(1),
  })
  .strict()
  .refine((t) => t.bareMetal !== (t.hypervisor !== undefined), {
    message: 'a virtualized type needs a hypervisor (nitro or xen); a bare-metal one has none',
  });
export const ref = z.string().min(1).describe('a resource id, or the `as` label a step gave it');

export const InitialStateSchema = z
  .object({
    /** EKS clusters, node groups (with their EC2 nodes), add-ons, Kubernetes objects. */
    eks: EksScenarioSchema.optional(),
    /** IAM roles and their attached managed policies. */
    iamRoles: IamRolesScenarioSchema.optional(),
    /** The account's EIP quota in the region (AWS's default is 5); AllocateAddress beyond it fails. */
    addressLimit: z.number().int().min(0).max(100_000).optional(),
    /** More ENIs than this and an unpaginated, unfiltered DescribeNetworkInterfaces fails (default 20,000). */
    unpaginatedEniLimit: z.number().int().min(0).optional(),
    /** Instance types beyond the built-in catalog (every type of the VPC resource controller's table). */
    instanceTypes: z.array(InstanceTypeSchema).default([]),
    vpcs: z.array(z.object({ id: z.string(), cidr: z.string(), tags: tags.optional() }).strict()).default([]),
    subnets: z
      .array(
        z
          .object({
            id: z.string(),
            vpcId: z.string(),
            az: z.string(),
            cidr: z.string(),
            tags: tags.optional(),
            /** Occupy this many addresses up front (a nearly full pod subnet). */
            usedIps: z.number().int().nonnegative().optional(),
          })
          .strict(),
      )
      .default([]),
    routeTables: z
      .array(
        z
          .object({
            id: z.string(),
            vpcId: z.string(),
            main: z.boolean().default(false),
            subnetIds: z.array(z.string()).default([]),
            routes: z
              .array(
                z
                  .object({
                    destination: z.string(),
                    gatewayId: z.string().optional(),
                    natGatewayId: z.string().optional(),
                  })
                  .strict(),
              )
              .default([]),
          })
          .strict(),
      )
      .default([]),
    securityGroups: z
      .array(z.object({ id: z.string(), name: z.string(), vpcId: z.string() }).strict())
      .default([]),
    instances: z
      .array(
        z
          .object({
            id: z.string(),
            instanceType: z.string(),
            subnetId: z.string(),
            launchTime: z.string().optional(),
            tags: tags.optional(),
          })
          .strict(),
      )
      .default([]),
    networkInterfaces: z
      .array(
        z
          .object({
            id: z.string(),
            subnetId: z.string(),
            description: z.string().default(''),
            interfaceType: z.string().optional(),
            securityGroupIds: z.array(z.string()).default([]),
            privateIp: z.string().optional(),
            secondaryPrivateIps: z.array(z.string()).optional(),
            tags: tags.optional(),
            instanceId: z.string().optional(),
            deviceIndex: z.number().int().nonnegative().optional(),
            requesterManaged: z.boolean().optional(),
          })
          .strict(),
      )
      .default([]),
    addresses: z
      .array(
        z
          .object({
            allocationId: z.string().optional(),
            publicIp: z.string().optional(),
            tags: tags.optional(),
            networkInterfaceId: z.string().optional(),
            privateIp: z.string().optional(),
            serviceManaged: z.string().optional(),
            publicIpv4Pool: z.string().optional(),
            as: z.string().optional(),
            /** AWS locked the address to the account: ReleaseAddress fails `InvalidAddress.Locked`. */
            locked: z.boolean().optional(),
            /** A reverse-DNS record is set: ReleaseAddress fails `InvalidAddress.PtrSet`. */
            ptrSet: z.boolean().optional(),
          })
          .strict(),
      )
      .default([]),
    /** Route 53 hosted zones of the account and their records. */
    hostedZones: z
      .array(
        z
          .object({
            id: z.string().optional(),
            name: z.string().min(1),
            private: z.boolean().default(false),
            records: z
              .array(
                z
                  .object({
                    name: z.string().min(1),
                    type: z.string().min(1),
                    ttl: z.number().int().nonnegative().optional(),
                    values: z.array(z.string()).default([]),
                    /** An address (id or `as` label) whose public IP becomes one more value. */
                    address: ref.optional(),
                  })
                  .strict(),
              )
              .default([]),
          })
          .strict(),
      )
      .default([]),
    /** SSM parameters, e.g. the kill switch `/eip-keeper/kill-switch`. */
    ssmParameters: z
      .array(
        z
          .object({
            name: z.string().min(1),
            value: z.string().min(1),
            type: z.enum(['String', 'StringList', 'SecureString']).default('String'),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

export type InitialState = z.infer<typeof InitialStateSchema>;
