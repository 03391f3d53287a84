/**
 * The findings of each capability as ASFF, pure: a stable `Id` per problem (so importing it again updates the same
 * finding), `RecordState` ACTIVE while the problem is there and ARCHIVED once fixed (a readiness check also turns
 * `Compliance.Status` to PASSED), `Workflow.Status` NEW only when the finding is created (after that the workflow is
 * the security team's: BatchImportFindings cannot update it,
 * https://docs.aws.amazon.com/securityhub/latest/userguide/finding-update-batchimportfindings.html).
 */
import {
  ASFF_SCHEMA_VERSION,
  type AsffFinding,
  type AsffResource,
  type AsffSeverityLabel,
  type FindingContext,
  type FindingKind,
  type FindingState,
  type FindingSubject,
  type OrphanedEipSubject,
  type ReadinessSubject,
  type UntrustedEniSubject,
} from './model';

/** The partition of a Region (`aws`, `aws-cn`, `aws-us-gov`): ARNs carry it. */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** Security Hub's product ARN for findings an account imports itself (the `default` product). */
export function defaultProductArn(ctx: Pick<FindingContext, 'partition' | 'region' | 'accountId'>): string {
  return `arn:${ctx.partition}:securityhub:${ctx.region}:${ctx.accountId}:product/${ctx.accountId}/default`;
}

/** The component that generates findings of a kind. */
export const generatorId = (kind: FindingKind): string => `eip-keeper/${kind}`;

/** The stable id of a subject's finding: the same problem on the same resource is always the same finding. */
export function findingId(
  subject: FindingSubject,
  ctx: Pick<FindingContext, 'region' | 'accountId'>,
): string {
  const where = `${ctx.accountId}/${ctx.region}`;
  switch (subject.kind) {
    case 'orphaned-eip':
      return `eip-keeper/${where}/orphaned-eip/${subject.allocationId}`;
    case 'untrusted-eni':
      return `eip-keeper/${where}/untrusted-eni/${subject.allocationId}/${subject.associationId}`;
    case 'readiness-check': {
      const scope = subject.nodegroup
        ? `nodegroup/${subject.nodegroup}`
        : subject.pool
          ? `pool/${subject.pool}`
          : 'cluster';
      return `eip-keeper/${where}/readiness/${subject.cluster}/${scope}/${subject.checkId}`;
    }
  }
}

const SEVERITY_LABELS: Record<ReadinessSubject['severity'], AsffSeverityLabel> = {
  critical: 'CRITICAL',
  high: 'HIGH',
  medium: 'MEDIUM',
  low: 'LOW',
  info: 'INFORMATIONAL',
};

/** ASFF Description is at most 1024 characters, Title 256. */
const clip = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

interface Parts {
  types: string[];
  severity: AsffSeverityLabel;
  title: string;
  description: string;
  remediation: string;
  resources: AsffResource[];
  fields: Record<string, string>;
}

function eipArn(ctx: FindingContext, allocationId: string): string {
  return `arn:${ctx.partition}:ec2:${ctx.region}:${ctx.accountId}:elastic-ip/${allocationId}`;
}

function orphanParts(s: OrphanedEipSubject, ctx: FindingContext): Parts {
  const idle = s.idleHours === null ? 'idle' : `idle for ${Math.round(s.idleHours)} hours`;
  return {
    types: ['Software and Configuration Checks/AWS Security Best Practices/Orphaned Elastic IP'],
    severity: 'MEDIUM',
    title: `Orphaned Elastic IP ${s.publicIp} (${s.allocationId})`,
    description: `Elastic IP ${s.publicIp} is associated with nothing, owned by no eip-keeper pool and ${idle}: a partner may still allowlist it, and whoever is given it next inherits that trust. It has cost ${s.costAccruedUsd.toFixed(2)} USD while idle.`,
    remediation:
      'Release it if nothing needs it (eip-keeper releases orphans after its notice when sweeper.release.enabled is on), tag it eip-keeper:keep to keep it, or add it to a pool.',
    resources: [
      {
        Type: 'AwsEc2Eip',
        Id: eipArn(ctx, s.allocationId),
        Partition: ctx.partition,
        Region: ctx.region,
        Details: { AwsEc2Eip: { AllocationId: s.allocationId, PublicIp: s.publicIp, Domain: 'vpc' } },
      },
    ],
    fields: { 'eip-keeper/allocationId': s.allocationId, 'eip-keeper/publicIp': s.publicIp },
  };
}

function untrustedParts(s: UntrustedEniSubject, ctx: FindingContext): Parts {
  const eni = s.eniId ?? 'an unknown network interface';
  const resources: AsffResource[] = [
    { Type: 'AwsEc2Eip', Id: eipArn(ctx, s.allocationId), Partition: ctx.partition, Region: ctx.region },
  ];
  if (s.eniId) {
    resources.unshift({
      Type: 'AwsEc2NetworkInterface',
      Id: `arn:${ctx.partition}:ec2:${ctx.region}:${ctx.accountId}:network-interface/${s.eniId}`,
      Partition: ctx.partition,
      Region: ctx.region,
      Details: { AwsEc2NetworkInterface: { NetworkInterfaceId: s.eniId } },
    });
  }
  return {
    types: ['Unusual Behaviors/Network Flow/Pool Elastic IP associated outside eip-keeper'],
    severity: 'HIGH',
    title: `Pool ${s.pool} address ${s.publicIp} held by ${eni} outside eip-keeper`,
    description: `Elastic IP ${s.publicIp} of pool ${s.pool}, which partners allowlist, was associated with ${eni}${s.instanceId ? ` (instance ${s.instanceId})` : ''} by someone other than eip-keeper (association ${s.associationId}): traffic from that interface is trusted by the partners.`,
    remediation: `Find who associated it (CloudTrail AssociateAddress, association ${s.associationId}); if it is not meant to hold the pool address, disassociate it: eip-keeper then gives the address back to the pool's pods.`,
    resources,
    fields: {
      'eip-keeper/pool': s.pool,
      'eip-keeper/allocationId': s.allocationId,
      'eip-keeper/associationId': s.associationId,
    },
  };
}

function readinessParts(s: ReadinessSubject, ctx: FindingContext): Parts {
  const scope = s.nodegroup ? ` node group ${s.nodegroup}` : s.pool ? ` pool ${s.pool}` : '';
  return {
    types: ['Software and Configuration Checks/AWS Security Best Practices/EKS pod Elastic IP readiness'],
    severity: SEVERITY_LABELS[s.severity],
    title: `${s.cluster}${scope}: ${s.title}`,
    description: [s.title, ...s.evidence].join(' '),
    remediation: s.fix,
    resources: [
      {
        Type: 'AwsEksCluster',
        Id: `arn:${ctx.partition}:eks:${ctx.region}:${ctx.accountId}:cluster/${s.cluster}`,
        Partition: ctx.partition,
        Region: ctx.region,
        Details: { AwsEksCluster: { Name: s.cluster } },
      },
    ],
    fields: { 'eip-keeper/check': s.checkId, 'eip-keeper/cluster': s.cluster },
  };
}

function partsOf(subject: FindingSubject, ctx: FindingContext): Parts {
  switch (subject.kind) {
    case 'orphaned-eip':
      return orphanParts(subject, ctx);
    case 'untrusted-eni':
      return untrustedParts(subject, ctx);
    case 'readiness-check':
      return readinessParts(subject, ctx);
  }
}

/**
 * The ASFF finding of `subject` in `state`. `firstObservedAt` is when eip-keeper first saw the problem (it is also
 * `CreatedAt`: every import of the same problem carries the same creation time).
 */
export function asffFinding(
  subject: FindingSubject,
  state: FindingState,
  ctx: FindingContext,
  firstObservedAt: string = ctx.now,
): AsffFinding {
  const p = partsOf(subject, ctx);
  const active = state === 'active';
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: findingId(subject, ctx),
    ProductArn: defaultProductArn(ctx),
    GeneratorId: generatorId(subject.kind),
    AwsAccountId: ctx.accountId,
    Types: p.types,
    CreatedAt: firstObservedAt,
    UpdatedAt: ctx.now,
    FirstObservedAt: firstObservedAt,
    LastObservedAt: ctx.now,
    Severity: { Label: active ? p.severity : 'INFORMATIONAL', Original: p.severity },
    Title: clip(p.title, 256),
    Description: clip(active ? p.description : `Resolved: ${p.description}`, 1024),
    Remediation: { Recommendation: { Text: clip(p.remediation, 512) } },
    ProductFields: { 'eip-keeper/kind': subject.kind, ...p.fields },
    Resources: p.resources,
    Region: ctx.region,
    RecordState: active ? 'ACTIVE' : 'ARCHIVED',
    ...(active ? { Workflow: { Status: 'NEW' as const } } : {}),
    ...(subject.kind === 'readiness-check' ? { Compliance: { Status: active ? 'FAILED' : 'PASSED' } } : {}),
  };
}

/** A held finding, archived: the problem it names is fixed (a readiness check passes again). */
export function archived(held: AsffFinding, now: string): AsffFinding {
  const { Workflow: _, ...rest } = held;
  return {
    ...rest,
    UpdatedAt: now,
    LastObservedAt: now,
    RecordState: 'ARCHIVED',
    ...(held.Compliance ? { Compliance: { Status: 'PASSED' as const } } : {}),
  };
}

/** Which held findings one run judges; the others are left as they are. */
export interface SyncScope {
  /** Held findings this run looked at (e.g. of the clusters it audited); absent: every held finding of the kind. */
  covers?: (held: AsffFinding) => boolean;
  /** Problems this run could not judge (a readiness check that could not run): their held findings stay as they are. */
  undecided?: readonly FindingSubject[];
}

/**
 * What to import for one kind whose current problems are `current`, given its findings Security Hub holds as
 * ACTIVE: a finding for each problem not held yet, and each held one that is no longer a problem archived (the
 * address released, associated or owned again). A problem already held is not imported again: nothing the security
 * team works with changed, and every import is billed.
 */
export function decideImports(
  held: readonly AsffFinding[],
  current: readonly FindingSubject[],
  ctx: FindingContext,
  scope: SyncScope = {},
): AsffFinding[] {
  const undecided = new Set((scope.undecided ?? []).map((s) => findingId(s, ctx)));
  // With cross-Region aggregation GetFindings also answers other Regions' findings: those are not this run's to judge.
  const own = held.filter(
    (f) =>
      f.Region === ctx.region &&
      f.AwsAccountId === ctx.accountId &&
      !undecided.has(f.Id) &&
      (scope.covers?.(f) ?? true),
  );
  const heldIds = new Set(held.map((f) => f.Id));
  const currentIds = new Set(current.map((s) => findingId(s, ctx)));
  return [
    ...current.filter((s) => !heldIds.has(findingId(s, ctx))).map((s) => asffFinding(s, 'active', ctx)),
    ...own.filter((f) => !currentIds.has(f.Id)).map((f) => archived(f, ctx.now)),
  ];
}
