/**
 * What `eip-keeper pools` shows: each pool, its EIPs, who holds each (ENI and private IP), since when, and how long
 * a free one has been idle. Pure: built from DescribeAddresses and, when the table is readable, the keeper's claims.
 */
import { waitersInOrder } from './decide-serve';
import type { PoolAddress, PoolSnapshot } from './model';

export type EipRowState =
  /** A keeper claim holds it and EC2 shows it on the holder. */
  | 'held'
  /** Claimed; the association is being made (or a crash left it to the reconciler). */
  | 'claimed'
  /** Free for the next pod. */
  | 'free'
  /** Associated outside eip-keeper: never taken back. */
  | 'manually-held'
  /** Without the table: associated with something (whether by eip-keeper is unknown). */
  | 'associated'
  /** Without the table: unassociated. */
  | 'unassociated';

export interface EipRow {
  allocationId: string;
  publicIp: string;
  state: EipRowState;
  /** Where EC2 says it is associated (or where the claim wants it). */
  holder?: { eniId?: string; privateIp?: string; instanceId?: string; since?: string };
  /** For a free address: since when it is idle (the table knows; EC2 does not). Null when unknown. */
  idleSince?: string | null;
  lastHolder?: { eniId: string; privateIp: string };
}

export interface PoolReport {
  pool: string;
  eips: EipRow[];
  waiting: { eniId: string; privateIp: string; since: string }[];
  exhausted?: { episode: number; since?: string };
}

export function buildPoolsReport(
  addresses: readonly PoolAddress[],
  snapshots: ReadonlyMap<string, PoolSnapshot> | undefined,
): PoolReport[] {
  const names = new Set(addresses.map((a) => a.pool));
  for (const name of snapshots?.keys() ?? []) names.add(name);
  return [...names].sort().map((pool) => {
    const snapshot = snapshots?.get(pool);
    const claims = new Map((snapshot?.claims ?? []).map((c) => [c.allocationId, c]));
    const eips = addresses
      .filter((a) => a.pool === pool)
      .sort((a, b) => (a.publicIp < b.publicIp ? -1 : 1))
      .map((a): EipRow => {
        const assoc = a.association;
        const where = assoc
          ? {
              ...(assoc.eniId ? { eniId: assoc.eniId } : {}),
              ...(assoc.privateIp ? { privateIp: assoc.privateIp } : {}),
              ...(assoc.instanceId ? { instanceId: assoc.instanceId } : {}),
            }
          : undefined;
        const row: EipRow = { allocationId: a.allocationId, publicIp: a.publicIp, state: 'unassociated' };
        if (!snapshot) {
          if (where) {
            row.state = 'associated';
            row.holder = where;
          } else row.idleSince = null;
          return row;
        }
        const c = claims.get(a.allocationId);
        if (c?.lastHolder) row.lastHolder = c.lastHolder;
        if (c?.holder) {
          const on = assoc?.eniId === c.holder.eniId && assoc.privateIp === c.holder.privateIp;
          row.state = on ? 'held' : 'claimed';
          row.holder = {
            eniId: c.holder.eniId,
            privateIp: c.holder.privateIp,
            since: c.holder.associatedAt ?? c.holder.claimedAt,
          };
          return row;
        }
        if (where) {
          row.state = 'manually-held';
          row.holder = { ...where, ...(c?.manualHold ? { since: c.manualHold.detectedAt } : {}) };
          return row;
        }
        row.state = 'free';
        row.idleSince = c?.lastReleasedAt ?? null;
        return row;
      });
    const report: PoolReport = {
      pool,
      eips,
      waiting: waitersInOrder(snapshot?.waiters ?? []).map((w) => ({
        eniId: w.eniId,
        privateIp: w.privateIp,
        since: w.since,
      })),
    };
    if (snapshot?.exhaustion?.open) {
      report.exhausted = {
        episode: snapshot.exhaustion.episode,
        ...(snapshot.exhaustion.openedAt ? { since: snapshot.exhaustion.openedAt } : {}),
      };
    }
    return report;
  });
}

/** The human table of `eip-keeper pools`. */
export function formatPoolsReport(reports: readonly PoolReport[], withClaims: boolean): string {
  if (reports.length === 0) return 'no pools: no Elastic IP is tagged eip-keeper:pool=<name> in this region';
  const lines: string[] = [];
  for (const r of reports) {
    const count = (s: EipRowState) => r.eips.filter((e) => e.state === s).length;
    const summary = withClaims
      ? `${r.eips.length} EIPs: ${count('held') + count('claimed')} held, ${count('free')} free, ${count('manually-held')} held outside eip-keeper, ${r.waiting.length} ENIs waiting`
      : `${r.eips.length} EIPs: ${count('associated')} associated, ${count('unassociated')} unassociated`;
    lines.push(
      `pool ${r.pool} (${summary})${r.exhausted ? ` — EXHAUSTED since ${r.exhausted.since ?? '?'}` : ''}`,
    );
    for (const e of r.eips) {
      const h = e.holder;
      const on = h ? `${h.eniId ?? h.instanceId ?? '?'}${h.privateIp ? ` (${h.privateIp})` : ''}` : '';
      const what =
        e.state === 'held'
          ? `held by ${on}${h?.since ? ` since ${h.since}` : ''}`
          : e.state === 'claimed'
            ? `claimed for ${on}, association pending${h?.since ? ` since ${h.since}` : ''}`
            : e.state === 'manually-held'
              ? `associated outside eip-keeper with ${on}`
              : e.state === 'associated'
                ? `associated with ${on}`
                : `idle since ${e.idleSince ?? 'unknown'}${e.lastHolder ? ` (last on ${e.lastHolder.eniId})` : ''}`;
      lines.push(`  ${e.publicIp.padEnd(15)}  ${e.allocationId}  ${what}`);
    }
    for (const w of r.waiting) lines.push(`  waiting: ${w.eniId} (${w.privateIp}) since ${w.since}`);
  }
  if (!withClaims) {
    lines.push(
      '',
      'idle since / holders per eip-keeper need its table: pass --table <name> or set EIP_KEEPER_TABLE (stack output TableName).',
    );
  }
  return lines.join('\n');
}
