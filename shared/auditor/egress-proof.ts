/**
 * The proof of pod-EIP egress with VPC Reachability Analyzer, decided as plain data: which paths prove a pool (one
 * per subnet and security-group set of its ENIs, from the address that holds the pool's EIP to the VPC's internet
 * gateway), whether the pool changed since its last proof (its ENIs, their subnets, routes and security groups), and
 * what an analysis answered. Each analysis costs $0.10 (https://aws.amazon.com/vpc/pricing/), so a pool is analysed
 * again only when that fingerprint changes. Pure: no AWS import, no I/O.
 */
import { createHash } from 'node:crypto';
import type { CheckContext } from './checks/context';
import { defaultRoute } from './checks/pod-eip-egress';
import type { EniInfo, PoolView, ProofOutcome, ProofRecord, ProofTarget } from './model';

export interface ProofPlan {
  pool: string;
  targets: ProofTarget[];
  fingerprint: string;
  /** Why nothing can be proven (no ENI yet, no internet gateway in the VPC). */
  nothingToProve?: string;
}

/** The address of an ENI a partner sees: the private IP holding a public one, primary first. */
function sourceOf(eni: EniInfo): { sourceIp: string; publicIp?: string } {
  const held = Object.entries(eni.publicIpOf ?? {}).sort(([a], [b]) =>
    a === eni.privateIp ? -1 : b === eni.privateIp ? 1 : a.localeCompare(b),
  )[0];
  if (held) return { sourceIp: held[0], publicIp: held[1] };
  return { sourceIp: eni.privateIp ?? '' };
}

/** The internet gateway a subnet's default route names, else one any route of the VPC names. */
function internetGatewayFor(ctx: CheckContext, subnetId: string): string | undefined {
  const own = defaultRoute(ctx.routeTableFor(subnetId))?.gatewayId;
  if (own?.startsWith('igw-')) return own;
  const vpcId = ctx.subnet(subnetId)?.vpcId;
  for (const t of ctx.snap.routeTables)
    if (t.vpcId === vpcId) for (const r of t.routes) if (r.gatewayId?.startsWith('igw-')) return r.gatewayId;
  return undefined;
}

export function proofPlan(ctx: CheckContext, view: PoolView, port: number): ProofPlan {
  const pool = view.pool.name;
  const groups = new Map<string, EniInfo[]>();
  for (const e of [...view.enis].sort((a, b) => a.networkInterfaceId.localeCompare(b.networkInterfaceId))) {
    const key = `${e.subnetId}|${[...e.securityGroupIds].sort().join(',')}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const targets: ProofTarget[] = [];
  let noGateway: string | undefined;
  for (const enis of groups.values()) {
    // Prefer an ENI that already holds an EIP: that is the address partners see.
    const eni = enis.find((e) => e.publicIpOf) ?? (enis[0] as EniInfo);
    const igw = internetGatewayFor(ctx, eni.subnetId);
    if (!igw) {
      noGateway = `no route of ${ctx.subnet(eni.subnetId)?.vpcId ?? 'the VPC'} names an internet gateway (see egress-route)`;
      continue;
    }
    targets.push({
      networkInterfaceId: eni.networkInterfaceId,
      ...sourceOf(eni),
      subnetId: eni.subnetId,
      securityGroupIds: [...eni.securityGroupIds].sort(),
      internetGatewayId: igw,
      port,
    });
  }
  const routes = [...new Set(targets.map((t) => t.subnetId))]
    .sort()
    .map((s) => ({ subnet: s, routes: ctx.routeTableFor(s)?.routes ?? [] }));
  const fingerprint = createHash('sha256')
    .update(
      JSON.stringify({
        enis: view.enis.map((e) => e.networkInterfaceId).sort(),
        targets: targets.map(({ publicIp: _, ...t }) => t),
        routes,
      }),
    )
    .digest('hex');
  const nothingToProve =
    view.enis.length === 0
      ? `pool ${pool} has no ENI yet: nothing to prove`
      : targets.length === 0
        ? (noGateway ?? 'no path to prove')
        : undefined;
  return { pool, targets, fingerprint, ...(nothingToProve ? { nothingToProve } : {}) };
}

export type ProofStep =
  | { kind: 'none'; reason: string }
  | { kind: 'reuse'; record: ProofRecord & { outcomes: ProofOutcome[] } }
  | { kind: 'collect'; record: ProofRecord }
  | { kind: 'start'; plan: ProofPlan };

/** Analyse again only when the pool changed since the last proof; otherwise reuse it, or wait for it to finish. */
export function nextProofStep(plan: ProofPlan, previous: ProofRecord | undefined): ProofStep {
  if (plan.nothingToProve) return { kind: 'none', reason: plan.nothingToProve };
  if (previous?.fingerprint === plan.fingerprint)
    return previous.outcomes
      ? { kind: 'reuse', record: { ...previous, outcomes: previous.outcomes } }
      : { kind: 'collect', record: previous };
  return { kind: 'start', plan };
}

/** The analysis answer as the EC2 port reports it. */
export interface AnalysisReport {
  analysisId: string;
  status: 'running' | 'succeeded' | 'failed';
  statusMessage?: string;
  pathFound?: boolean;
  components: { id: string; sourceAddresses: string[]; explanationCodes: string[] }[];
  explanations: ProofOutcome['explanations'];
}

/** What one finished analysis says about its target. */
export function outcomeOf(target: ProofTarget, report: AnalysisReport): ProofOutcome {
  const nat = report.components.find(
    (c) => c.id.startsWith('nat-') || c.explanationCodes.includes('NGW_SOURCE_ADDRESS_REASSIGN'),
  );
  const gateway = report.components.find((c) => c.id === target.internetGatewayId);
  return {
    target,
    analysisId: report.analysisId,
    status: report.status === 'failed' ? 'failed' : 'succeeded',
    ...(report.statusMessage ? { statusMessage: report.statusMessage } : {}),
    ...(report.pathFound !== undefined ? { pathFound: report.pathFound } : {}),
    components: report.components.map((c) => c.id),
    ...(nat ? { natGatewayId: nat.id } : {}),
    egressAddresses: gateway?.sourceAddresses ?? [],
    explanations: report.explanations,
  };
}
