/**
 * The sweeper's alerts as notifications (shared/notify renders them per protocol). Pure: facts in, a `Notification`
 * out. By kind: `alerts-address.ts` (orphan, release notice, released, release blocked), `alerts-pool-idle.ts`,
 * `alerts-digest.ts`, `alerts-summary.ts`; what they share is in `alerts-format.ts`.
 *
 * Every alert about an address says: allocation id, public IP, tags, last holder (ENI, pool, cluster) and who took
 * the address off it, idle since (and whether that comes from our history or from the first sweep that saw it
 * idle), cost accrued, the DNS names pointing at it, and the risk in one sentence. Tag keys and values, ENI
 * descriptions, cluster and pool names, actors, DNS names and AWS error messages are untrusted text and go through
 * shared/notify/escape.ts.
 */
import type { Notification } from '../notify/notification';
import { addressNotification } from './alerts-address';
import { digestNotification } from './alerts-digest';
import { summaryNotification } from './alerts-summary';
import type { Classification, IdleFacts } from './classify';
import type { KillSwitchState } from './decide';
import type { BlockReason, DnsReference } from './model';

export interface LastHolderFacts {
  eniId: string | null;
  privateIp: string | null;
  instanceId: string | null;
  /** EKS cluster from the ENI's tags (untrusted). */
  cluster: string | null;
  /** The pool the address belongs to (its `eip-keeper:pool` tag, untrusted). */
  pool: string | null;
  securityGroupIds: string[];
  /** The ENI's description (untrusted). */
  eniDescription: string | null;
  /** When the association was made; null when only a sweep saw it. */
  since: string | null;
  /** How it ended, when, and who did it (a readable actor, untrusted); null when unknown. */
  ended: {
    kind: 'disassociated' | 'eni-deleted' | 'reassociated' | 'released';
    at: string;
    by: string;
  } | null;
  /** `history` (CloudTrail) or `sweep` (only DescribeAddresses saw the association; who ended it is unknown). */
  source: 'history' | 'sweep';
}

export type DnsFacts =
  | { status: 'ok'; refs: DnsReference[] }
  | { status: 'failed'; error: string }
  | { status: 'not-checked' };

export interface AddressFacts {
  allocationId: string;
  publicIp: string;
  tags: Record<string, string>;
  classification: Classification;
  idle: IdleFacts | null;
  /** Price of an address-hour used for the figures. */
  rateUsd: number;
  /** Cost of the current idle episode so far. */
  costAccruedUsd: number;
  lastHolder: LastHolderFacts | null;
  dns: DnsFacts;
}

export interface AlertContext {
  accountId: string;
  region: string;
  /** The sweep's time: when the alerts of the run happened. */
  now: string;
  subjectPrefix: string;
  release: { enabled: boolean; noticeHours: number; maxPerRun: number };
  killSwitch: KillSwitchState;
  killSwitchParameter: string;
}

export interface DigestItem {
  allocationId: string;
  publicIp: string;
  kind: string;
  idleSince: string | null;
  idleHours: number;
  costAccruedUsd: number;
  /** What happens next to it (e.g. "release due after 2026-01-06 10:00 UTC", "release is off"; may quote AWS). */
  status: string;
}

export type AlertSpec =
  | { kind: 'orphan'; address: AddressFacts; releaseAfter: string | null }
  | { kind: 'release-notice'; address: AddressFacts; releaseAfter: string }
  | { kind: 'pool-idle'; address: AddressFacts }
  | { kind: 'former-pool-member'; address: AddressFacts }
  | { kind: 'released'; address: AddressFacts; releasedAt: string; projectedMonthlySavingUsd: number }
  | {
      kind: 'release-blocked';
      address: AddressFacts;
      reason: BlockReason;
      /** What blocked it, in a sentence that may quote DNS names and AWS's error message. */
      detail: string;
      retryAfter: string | null;
    }
  | {
      kind: 'digest';
      date: string;
      /** This message's rows (one page of the open findings). */
      items: DigestItem[];
      /** Every open finding, on every page. */
      open: number;
      page: number;
      pages: number;
      monthlyCostUsd: number;
    }
  | {
      kind: 'orphan-summary';
      items: SummaryItem[];
      /** Orphans of the same sweep alerted one by one. */
      alertedOneByOne: number;
      releaseAfter: string | null;
      monthlyCostUsd: number;
    };

/** One orphan of a summary. */
export interface SummaryItem {
  allocationId: string;
  publicIp: string;
  idleSince: string;
  idleHours: number;
  costAccruedUsd: number;
  /** Its `Name` tag (untrusted), or null. */
  name: string | null;
}

export type AddressAlertSpec = Exclude<AlertSpec, { kind: 'digest' | 'orphan-summary' }>;

/** One alert as a notification; `dedupKey` is the alert's claim on the sweep ledger (sent once per key). */
export function alertNotification(spec: AlertSpec, ctx: AlertContext, dedupKey: string): Notification {
  if (spec.kind === 'digest') return digestNotification(spec, ctx, dedupKey);
  if (spec.kind === 'orphan-summary') return summaryNotification(spec, ctx, dedupKey);
  return addressNotification(spec, ctx, dedupKey);
}
