/**
 * `egress-proof`: what VPC Reachability Analyzer says about each pool's path from the address holding its EIP to the
 * internet gateway (opt-in, `audit.egressProof.enabled`). The other egress checks infer egress from routes and CNI
 * settings; this one is AWS's own analysis of the network configuration. It cannot see inside the node: that the
 * pod's packets leave through this ENI stays inferred from the CNI settings, and the operator confirms it once from a
 * pod (docs/auditor.md, "What is verified"). Explanation codes:
 * https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html. Pure: no AWS import.
 */
import { shellQuote } from '../fixes';
import type { PoolView, ProofOutcome } from '../model';
import { type CheckContext, resultsOf } from './context';
import type { CheckResult } from './result';

/** AWS's words for the codes an ENI-to-internet-gateway path can end on. */
const MEANING: Readonly<Record<string, string>> = {
  NO_ROUTE_TO_DESTINATION: 'the route table does not have an applicable route to the destination',
  BAD_STATE_ROUTE: 'this route is not in a functional state',
  BAD_STATE_ATTACHMENT: 'the attachment between these components is not in a functional state',
  ENI_SG_RULES_MISMATCH: 'this security group has no inbound or outbound rules that apply',
  SG_HAS_NO_RULES: 'this security group has no inbound or outbound rules',
  SUBNET_ACL_RESTRICTION: 'outbound traffic of the subnet must be admitted by its network ACL',
  IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS:
    'the source address is not paired with a public IP, or does not belong to a network interface with an available attachment',
  NGW_SOURCE_ADDRESS_REASSIGN: 'NAT gateways rewrite the source address to their own',
};

export const REACHABILITY_CONSOLE = 'VPC console, Reachability Analyzer';

function explain(o: ProofOutcome): string[] {
  return o.explanations.map(
    (e) =>
      `${e.code}${e.componentId ? ` at ${e.componentId}` : ''}${e.address ? ` (source ${e.address})` : ''}: ${MEANING[e.code] ?? 'see the explanation codes of Reachability Analyzer'}`,
  );
}

/** The fix for what an analysis found, code by code. */
function fixFor(o: ProofOutcome): string {
  const t = o.target;
  const port = t.port;
  if (o.natGatewayId)
    return `move the pool's pods to subnets whose default route is the internet gateway (see egress-route): behind ${o.natGatewayId} partners see the NAT's address`;
  const codes = new Set(o.explanations.map((e) => e.code));
  if (codes.has('ENI_SG_RULES_MISMATCH') || codes.has('SG_HAS_NO_RULES'))
    return t.securityGroupIds
      .map(
        (g) =>
          `aws ec2 authorize-security-group-egress --group-id ${shellQuote(g)} --ip-permissions 'IpProtocol=tcp,FromPort=${port},ToPort=${port},IpRanges=[{CidrIp=0.0.0.0/0}]'`,
      )
      .join(' (or) ');
  if (codes.has('NO_ROUTE_TO_DESTINATION') || codes.has('BAD_STATE_ROUTE'))
    return `route 0.0.0.0/0 of ${t.subnetId}'s route table to ${t.internetGatewayId} (see egress-route for the exact command)`;
  if (codes.has('IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS'))
    return `${t.sourceIp} of ${t.networkInterfaceId} has no EIP, or the ENI has no available attachment: see the keeper's claims (npx eip-keeper pools) and, for a branch ENI, that its node's trunk ENI is attached`;
  return `open analysis ${o.analysisId} in the ${REACHABILITY_CONSOLE}, and follow its explanation`;
}

type Verdict = { kind: 'ok' | 'bad' | 'unsure'; line: string; fix?: string };

function verdictOf(o: ProofOutcome): Verdict {
  const t = o.target;
  const port = t.port;
  const path = `${t.networkInterfaceId} ${t.sourceIp}${t.publicIp ? ` (EIP ${t.publicIp})` : ''} → ${t.internetGatewayId} (tcp/${port}, analysis ${o.analysisId})`;
  if (o.status === 'failed')
    return { kind: 'unsure', line: `${path}: the analysis failed: ${o.statusMessage ?? 'no message'}` };
  if (o.pathFound && o.natGatewayId)
    return {
      kind: 'bad',
      line: `${path}: reachable only through ${o.natGatewayId} (NGW_SOURCE_ADDRESS_REASSIGN: ${MEANING.NGW_SOURCE_ADDRESS_REASSIGN})`,
      fix: fixFor(o),
    };
  if (o.pathFound)
    return {
      kind: 'ok',
      line: `${path}: reachable via ${o.components.join(' → ')}${o.egressAddresses.length > 0 ? `, leaving from ${o.egressAddresses.join(', ')}` : ''}`,
    };
  return {
    kind: 'bad',
    line: `${path}: not reachable: ${explain(o).join('; ') || 'no explanation given'}`,
    fix: fixFor(o),
  };
}

const INFERRED =
  'not verified by AWS: that the pod sends its traffic through this ENI without SNAT to the node (see egress-enforcing-mode or egress-external-snat)';
const CONFIRM =
  "to confirm once from a pod of the pool: curl -s https://checkip.amazonaws.com prints the pool's EIP";

function egressProof(ctx: CheckContext, view: PoolView): CheckResult | undefined {
  const state = ctx.snap.egressProofs?.[view.pool.name];
  if (!state) return undefined;
  const r = resultsOf(ctx, 'egress-proof', 'high', { pool: view.pool.name });
  if (state.state === 'not-run')
    return state.applicable
      ? r.unknown(
          `Pool ${view.pool.name}'s egress was not analysed in this audit`,
          [state.reason],
          'wait for the next audit, or raise audit.egressProof.maxAnalysesPerRun',
        )
      : r.notApplicable(`Nothing of pool ${view.pool.name} to analyse`, [state.reason]);
  if (state.state === 'pending')
    return r.unknown(
      `VPC Reachability Analyzer is still analysing pool ${view.pool.name}'s egress`,
      state.record.analyses.map(
        (a) => `analysis ${a.analysisId} of ${a.target.networkInterfaceId} started ${state.record.startedAt}`,
      ),
      'the next audit reads the result',
    );
  const verdicts = state.record.outcomes.map(verdictOf);
  const evidence = [
    ...verdicts.map(
      (v) =>
        `verified by AWS Reachability Analyzer (${state.record.finishedAt ?? state.record.startedAt}): ${v.line}`,
    ),
    INFERRED,
    CONFIRM,
  ];
  const bad = verdicts.filter((v) => v.kind === 'bad');
  if (bad.length > 0)
    return r.fail(
      `VPC Reachability Analyzer finds no direct path from pool ${view.pool.name}'s EIP addresses to the internet gateway`,
      evidence,
      [...new Set(bad.map((b) => b.fix ?? ''))].join('\n'),
    );
  if (verdicts.some((v) => v.kind === 'unsure'))
    return r.unknown(
      `VPC Reachability Analyzer could not analyse all of pool ${view.pool.name}'s paths`,
      evidence,
      `open the failed analyses in the ${REACHABILITY_CONSOLE}`,
    );
  return r.pass(
    `VPC Reachability Analyzer finds pool ${view.pool.name}'s EIP paths to the internet gateway`,
    evidence,
  );
}

export function egressProofChecks(ctx: CheckContext): CheckResult[] {
  return ctx.snap.pools.map((v) => egressProof(ctx, v)).filter((r): r is CheckResult => r !== undefined);
}
