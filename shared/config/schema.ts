/**
 * The one configuration contract of eip-keeper. The CDK app validates it at synth time (from cdk.json context and
 * `-c` flags) and every handler validates it at cold start (from the environment or an SSM parameter), so a bad
 * value fails before anything runs, with a message that names the key.
 *
 * Defaults are the safe ones: no pools, nothing released.
 */
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { InvalidConfigError } from './errors';
import { describeIssues } from './issues';

// zod/mini keeps Lambda bundles small (cold start); the English locale gives the readable messages.
z.config(en());

const awsId = (prefix: string) =>
  z
    .string()
    .check(z.regex(new RegExp(`^${prefix}-[0-9a-f]{8,17}$`), `must look like ${prefix}-0123456789abcdef0`));
const text = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));
const nonEmptyArray = <T extends z.core.SomeType>(item: T) => z.array(item).check(z.minLength(1));
const number = (min: number, max: number, int = false) =>
  (int ? z.int() : z.number()).check(z.gte(min), z.lte(max));
const positive = (max: number) => z.number().check(z.positive(), z.lte(max));

/** Which ENIs belong to a pool's workload. Every given criterion must match (AND); an empty selector matches nothing. */
export const EniSelectorSchema = z
  .strictObject({
    /** Security groups of the SecurityGroupPolicy: a branch ENI carrying ALL of these belongs to the workload. */
    securityGroupIds: z.optional(nonEmptyArray(awsId('sg'))),
    /** The ENI must be in one of these subnets. */
    subnetIds: z.optional(nonEmptyArray(awsId('subnet'))),
    /** Tag key → accepted values (any of them); an empty list means "the tag key exists". */
    tags: z.optional(z.record(text(1, 128), z.array(z.string().check(z.maxLength(256))))),
    /** The ENI description starts with this (e.g. `aws-k8s-branch-eni`). */
    descriptionPrefix: z.optional(text(1, 255)),
  })
  .check(
    z.refine(
      (s) => Boolean(s.securityGroupIds || s.subnetIds || s.tags || s.descriptionPrefix),
      'a selector needs at least one of securityGroupIds, subnetIds, tags, descriptionPrefix',
    ),
  );

/** An approved pool member: its allocation id, or its public IPv4 address (what partners allowlist). */
const PoolMemberSchema = z
  .string()
  .check(
    z.refine(
      (v) => /^eipalloc-[0-9a-f]{8,17}$/.test(v) || /^(\d{1,3})(\.\d{1,3}){3}$/.test(v),
      'must be an allocation id (eipalloc-…) or a public IPv4 address',
    ),
  );

/** The pods of a secondary-IP pool, as the Kubernetes API shows them. */
export const PodSelectorSchema = z.strictObject({
  namespace: text(1, 63),
  /** Label key → value; every one must match (an empty map selects every pod of the namespace). */
  labels: z._default(z.record(text(1, 317), z.string().check(z.maxLength(63))), {}),
});

export const PoolSchema = z
  .strictObject({
    /** Pool name; EIPs tagged `eip-keeper:pool=<name>` and listed in `members` are its members. */
    name: z
      .string()
      .check(
        z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'use letters, digits, dot, dash, underscore (max 63)'),
      ),
    /** The EKS cluster whose pods the pool serves: only ENIs proven to be its pods' get an address. */
    cluster: text(1, 100),
    /** The cluster's VPC: IAM lets the keeper associate pool addresses only with ENIs in it (`ec2:Vpc`). */
    vpcId: awsId('vpc'),
    /**
     * The approved members (allocation ids or public IPs). An address tagged with the pool but not listed is never
     * handed out, and is reported. `npx eip-keeper pools --members` prints today's tagged members as this list.
     */
    members: z._default(z.array(PoolMemberSchema), []),
    selector: EniSelectorSchema,
    /** `primary-ip`: the ENI's primary private IP (branch ENIs). `secondary-ip`: opt-in, a pod IP on a node ENI. */
    target: z._default(z.enum(['primary-ip', 'secondary-ip']), 'primary-ip'),
    /**
     * The keeper's roles have an EKS access entry on the cluster (read-only: nodes and pods). Required for a
     * secondary-IP pool; for a branch-ENI pool it turns the node check from inferred (instance tags) to verified.
     */
    kubernetesAccess: z._default(z.boolean(), false),
    /** Secondary-IP pools: an IP gets an address only while a Running pod of this namespace and labels holds it. */
    podSelector: z.optional(PodSelectorSchema),
    /**
     * A branch ENI whose CloudTrail creation record eip-keeper never received (created before it was deployed, or
     * its record was lost): `live-check` serves it on the live evidence alone, `refuse` never serves it.
     */
    withoutCreationRecord: z._default(z.enum(['live-check', 'refuse']), 'live-check'),
    /** New addresses are on nobody's allowlist, so eip-keeper never allocates unless the pool says so. */
    allocateOnExhaustion: z._default(z.boolean(), false),
    /**
     * Tag each member with `eip-keeper:holder=<eni-id>` while a pod holds it, for humans. Written after the association,
     * from another EC2 token bucket than AssociateAddress's; false: no tag calls at all (and no tag permission).
     */
    tagHolder: z._default(z.boolean(), true),
    /** Alert when a pool member has been idle longer than this (pool EIPs are never released). */
    idleAlertHours: z._default(positive(24 * 365), 24),
  })
  .check(
    z.refine((p) => p.members.length > 0 || p.allocateOnExhaustion, {
      message:
        "list the pool's approved addresses (allocation ids or public IPs); `npx eip-keeper pools --members` prints the tagged ones",
      path: ['members'],
    }),
    z.refine((p) => p.target !== 'secondary-ip' || p.kubernetesAccess, {
      message:
        'a secondary-IP pool needs Kubernetes access: only the Kubernetes API says which pod holds an IP (give the keeper an EKS access entry, then set true)',
      path: ['kubernetesAccess'],
    }),
    z.refine((p) => p.target !== 'secondary-ip' || p.podSelector !== undefined, {
      message: 'a secondary-IP pool needs a pod selector (namespace and labels of the pods it serves)',
      path: ['podSelector'],
    }),
  );

/** An address the operator approved for release although it was once a pool member (see docs/sweeper.md). */
const approvedReleaseSchema = () =>
  z.strictObject({
    allocationId: awsId('eipalloc'),
    /** The address's public IP, as a check that the allocation id is the one meant. */
    publicIp: z.string().check(z.regex(/^\d{1,3}(\.\d{1,3}){3}$/, 'must be an IPv4 address')),
  });

const releaseSchema = () =>
  z.strictObject({
    /** Releasing is destructive and off until this is true. */
    enabled: z._default(z.boolean(), false),
    /** At most this many releases per sweep run. */
    maxPerRun: z._default(number(0, 100, true), 5),
    /** Hours between the pre-release alert and the release. */
    noticeHours: z._default(number(0, 24 * 90), 24),
    /**
     * With release on, `graceHours` and `noticeHours` must be at least 24 unless this is true: a shorter period is for
     * test accounts, where no partner allowlists anything.
     */
    allowShortPeriods: z._default(z.boolean(), false),
    /**
     * Former pool members the operator approved for release (the hourly sweep never releases one on its own). Each is
     * then released like an orphan: after its own notice, within the cap, with every last-moment check.
     */
    approvedFormerPoolMembers: z._default(z.array(approvedReleaseSchema()), []),
  });

/** The shortest grace and notice periods release accepts without `release.allowShortPeriods`. */
export const MIN_RELEASE_PERIOD_HOURS = 24;

const sweeperSchema = () => {
  const ReleaseSchema = releaseSchema();
  return z
    .strictObject({
      /** EventBridge schedule of the sweep, in minutes. */
      scheduleMinutes: z._default(number(5, 24 * 60, true), 60),
      /** An unowned address idle longer than this is an orphan. */
      graceHours: z._default(positive(24 * 365), 24),
      /** Tag keys (any value) that exempt an address, in addition to `eip-keeper:keep`. */
      exemptTagKeys: z._default(z.array(text(1, 128)), []),
      /** Price of one public IPv4 address-hour in USD (AWS's since 2024-02-01). */
      hourlyRateUsd: z._default(number(0, 1), 0.005),
      /** Look the price up with the Pricing API instead of `hourlyRateUsd` (falls back to it on failure). */
      usePricingApi: z._default(z.boolean(), false),
      /** Orphan alerts sent one by one per sweep; the rest of that sweep's go out together in one summary. */
      maxOrphanAlertsPerRun: z._default(number(1, 1000, true), 10),
      release: z._default(ReleaseSchema, () => ReleaseSchema.parse({})),
      /** SSM parameter read every run; the value `on` (or `true`) stops all releases. Created outside the stack. */
      killSwitchParameter: z._default(
        z.string().check(z.regex(/^\/[A-Za-z0-9_./-]{1,1010}$/, 'must be an SSM parameter path')),
        '/eip-keeper/kill-switch',
      ),
    })
    .check(
      z.superRefine((s, ctx) => {
        if (!s.release.enabled || s.release.allowShortPeriods) return;
        const short = (value: number, path: string[]) => {
          if (value >= MIN_RELEASE_PERIOD_HOURS) return;
          ctx.issues.push({
            code: 'custom',
            input: value,
            path,
            message: `must be at least ${MIN_RELEASE_PERIOD_HOURS} while release.enabled is true (or set release.allowShortPeriods)`,
          });
        };
        short(s.graceHours, ['graceHours']);
        short(s.release.noticeHours, ['release', 'noticeHours']);
      }),
    );
};

/** Proving pod-EIP egress with VPC Reachability Analyzer (docs/auditor.md, "Proving pod-EIP egress"). */
const egressProofSchema = () =>
  z.strictObject({
    /** Off by default: each analysis costs $0.10 (https://aws.amazon.com/vpc/pricing/). */
    enabled: z._default(z.boolean(), false),
    /** TCP destination port of the proven path (the partner's service). */
    port: z._default(number(1, 65535, true), 443),
    /** Cost cap: at most this many analyses per audit run; a pool over it is analysed at a later audit. */
    maxAnalysesPerRun: z._default(number(1, 100, true), 10),
  });

const auditSchema = () => {
  const EgressProofSchema = egressProofSchema();
  return z.strictObject({
    /** EventBridge schedule of the full audit, in hours. */
    scheduleHours: z._default(number(1, 24 * 7, true), 24),
    /** Clusters to audit; empty means every cluster in the region. */
    clusters: z._default(z.array(text(1, 100)), []),
    /** Clusters for which eip-keeper has an EKS access entry and may read the Kubernetes API. */
    kubernetesAccess: z._default(z.array(text(1, 100)), []),
    egressProof: z._default(EgressProofSchema, () => EgressProofSchema.parse({})),
  });
};

const alertsSchema = () =>
  z.strictObject({
    /** Subscribe this e-mail address to the security topic (confirm the subscription mail). */
    email: z.optional(z.email()),
    /** Prefix of every SNS subject, to tell regions/accounts apart. */
    subjectPrefix: z._default(z.string().check(z.maxLength(40)), '[eip-keeper]'),
  });

const reconcileSchema = () =>
  z.strictObject({
    /** EventBridge schedule of the keeper reconciler, in minutes. */
    scheduleMinutes: z._default(number(1, 24 * 60, true), 5),
  });

const historySchema = () =>
  z.strictObject({
    /** Days an EIP/ENI history entry is kept (DynamoDB TTL). */
    retentionDays: z._default(number(1, 3650, true), 400),
  });

/** Findings in AWS Security Hub (docs/security-hub.md). */
const securityHubSchema = () =>
  z.strictObject({
    /** Off by default: Security Hub must be enabled in the account and Region, and every import is billed. */
    enabled: z._default(z.boolean(), false),
  });

/** An EventBridge bus ARN (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-what-is-how-it-works-concepts.html). */
const EVENT_BUS_ARN =
  /^arn:aws[a-z-]*:events:[a-z]{2}(-[a-z]+)+-\d:\d{12}:event-bus\/[A-Za-z0-9._\-/]{1,256}$/;

/** The organization hub this deployment sends its alerts, findings and ledger changes to (docs/hub.md). */
const hubSchema = () =>
  z.strictObject({
    /** The hub's event bus; absent: nothing is sent anywhere. */
    eventBusArn: z.optional(
      z
        .string()
        .check(
          z.regex(
            EVENT_BUS_ARN,
            'must be an event bus ARN, arn:aws:events:<region>:<account>:event-bus/<name>',
          ),
        ),
    ),
  });

/**
 * A section of the configuration whose schema is built the first time a configuration sets it. Building zod schemas
 * is most of what validating costs at a cold start, and a handler's configuration rarely sets more than its pools and
 * alerts (docs/performance.md). An unset section is `defaults()`: what its schema gives for `{}` (test/config checks
 * that they agree, so a default changed in the schema and not here fails there).
 */
function section<T extends z.core.SomeType>(build: () => T, defaults: () => z.output<T>) {
  return z._default(z.lazy(build), defaults as () => z.core.util.NoUndefined<z.output<T>>);
}

/** The sections' schemas, built (for the test that their defaults agree with `section`'s). */
export const SECTION_SCHEMAS = {
  reconcile: reconcileSchema,
  sweeper: sweeperSchema,
  audit: auditSchema,
  alerts: alertsSchema,
  history: historySchema,
  securityHub: securityHubSchema,
  hub: hubSchema,
} as const;

export const AppConfigSchema = z.strictObject({
  pools: z._default(
    z.array(PoolSchema).check(
      z.refine(
        (pools) => new Set(pools.map((p) => p.name)).size === pools.length,
        'pool names must be unique',
      ),
      z.refine((pools) => {
        const members = pools.flatMap((p) => p.members);
        return new Set(members).size === members.length;
      }, 'an address may be listed in one pool only, once'),
    ),
    [],
  ),
  reconcile: section(reconcileSchema, () => ({ scheduleMinutes: 5 })),
  sweeper: section(sweeperSchema, () => ({
    scheduleMinutes: 60,
    graceHours: 24,
    exemptTagKeys: [],
    hourlyRateUsd: 0.005,
    usePricingApi: false,
    maxOrphanAlertsPerRun: 10,
    release: {
      enabled: false,
      maxPerRun: 5,
      noticeHours: 24,
      allowShortPeriods: false,
      approvedFormerPoolMembers: [],
    },
    killSwitchParameter: '/eip-keeper/kill-switch',
  })),
  audit: section(auditSchema, () => ({
    scheduleHours: 24,
    clusters: [],
    kubernetesAccess: [],
    egressProof: { enabled: false, port: 443, maxAnalysesPerRun: 10 },
  })),
  alerts: section(alertsSchema, () => ({ subjectPrefix: '[eip-keeper]' })),
  history: section(historySchema, () => ({ retentionDays: 400 })),
  securityHub: section(securityHubSchema, () => ({ enabled: false })),
  hub: section(hubSchema, () => ({})),
});

export type EniSelector = z.infer<typeof EniSelectorSchema>;
export type PoolConfig = z.infer<typeof PoolSchema>;
export type PodSelector = z.infer<typeof PodSelectorSchema>;
export type SweeperConfig = z.infer<ReturnType<typeof sweeperSchema>>;
export type AuditConfig = z.infer<ReturnType<typeof auditSchema>>;
export type EgressProofConfig = z.infer<ReturnType<typeof egressProofSchema>>;
export type AppConfig = z.infer<typeof AppConfigSchema>;
/** What a user writes: every key optional, defaults filled in by parsing. */
export type AppConfigInput = z.input<typeof AppConfigSchema>;

export { InvalidConfigError } from './errors';
export { formatIssuePath } from './issues';

/** Validates raw configuration; throws InvalidConfigError naming each bad key (and the key an unknown one meant). */
export function parseAppConfig(raw: unknown, source: string): AppConfig {
  const result = AppConfigSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  throw new InvalidConfigError(source, describeIssues(AppConfigSchema, result.error.issues));
}

/** The defaults, as a deploy with no context gets them. */
export const DEFAULT_CONFIG: AppConfig = parseAppConfig({}, 'defaults');
