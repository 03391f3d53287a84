/**
 * Pod-EIP egress for each keeper pool: an EIP on a pod's ENI carries the pod's egress only when the ENI's subnet
 * routes 0.0.0.0/0 to an internet gateway and the VPC CNI does not SNAT the pod to the node's IP
 * (https://docs.aws.amazon.com/eks/latest/userguide/external-snat.html). Pure: no AWS import.
 */
import type { PoolView, RouteInfo, RouteTableInfo } from '../model';
import {
  type CheckContext,
  enforcingMode as enforcingModeInForce,
  kubernetesAccessHint,
  resultsOf,
} from './context';
import type { CheckResult } from './result';

export function defaultRoute(table: RouteTableInfo | undefined): RouteInfo | undefined {
  return table?.routes.find((r) => r.destination === '0.0.0.0/0' && r.state !== 'blackhole');
}

export function describeTarget(route: RouteInfo | undefined): string {
  if (!route) return 'no default route';
  return (
    route.gatewayId ??
    route.natGatewayId ??
    route.transitGatewayId ??
    route.networkInterfaceId ??
    route.vpcPeeringConnectionId ??
    'an unknown target'
  );
}

/** The subnets whose routes decide a pool's egress, and how they were found. */
function poolSubnets(
  ctx: CheckContext,
  view: PoolView,
): { subnets: string[]; how: string } | { unknown: string; enable: string } {
  const fromSelector = view.pool.selector.subnetIds ?? [];
  const fromEnis = [...new Set(view.enis.map((e) => e.subnetId))];
  const direct = [...new Set([...fromSelector, ...fromEnis])].sort();
  if (direct.length > 0) {
    const how = [
      fromEnis.length > 0 ? `${view.enis.length} matching ENI(s) in ${fromEnis.join(', ')}` : '',
      fromSelector.length > 0 ? `selector subnets ${fromSelector.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    return { subnets: direct, how };
  }
  // No ENI yet: the pool's pods will get ENIs where the cluster places pods.
  if (ctx.customNetworking.inScope || ctx.customNetworking.setting === undefined) {
    const configs = ctx.k8s?.eniConfigs;
    if (configs?.available) {
      const subnets = [...new Set(configs.value.map((c) => c.subnet).filter((s): s is string => !!s))].sort();
      if (ctx.customNetworking.inScope)
        return {
          subnets,
          how: `no matching ENI yet; checked the ENIConfig subnets where pods get their ENIs (${subnets.join(', ')})`,
        };
    } else if (ctx.customNetworking.inScope) {
      return {
        unknown:
          'the pool has no ENI yet and custom networking places pods in ENIConfig subnets, which cannot be read',
        enable:
          configs && !configs.available
            ? configs.enable
            : (ctx.k8sMissing?.enable ?? kubernetesAccessHint(ctx.cluster)),
      };
    }
  }
  const subnets = [...new Set(ctx.snap.nodegroups.flatMap((ng) => ng.subnets))].sort();
  if (subnets.length === 0)
    return {
      unknown: 'the pool has no ENI yet and the cluster has no node group subnets',
      enable: 'set selector.subnetIds on the pool',
    };
  if (ctx.customNetworking.setting === undefined)
    return {
      unknown:
        'the pool has no ENI yet and it is unknown whether custom networking moves pods out of the node subnets',
      enable: ctx.customNetworking.unknown?.enable ?? kubernetesAccessHint(ctx.cluster),
    };
  return {
    subnets,
    how: `no matching ENI yet; checked the node group subnets where pods get their ENIs (${subnets.join(', ')})`,
  };
}

function egressRoute(ctx: CheckContext, view: PoolView): CheckResult {
  const r = resultsOf(ctx, 'egress-route', 'high', { pool: view.pool.name });
  const found = poolSubnets(ctx, view);
  if ('unknown' in found)
    return r.unknown(
      `Cannot tell which subnets pool ${view.pool.name}'s ENIs use`,
      [found.unknown],
      found.enable,
    );
  const bad: { subnet: string; table?: RouteTableInfo; text: string }[] = [];
  const good: string[] = [];
  const unknownSubnets: string[] = [];
  for (const id of found.subnets) {
    const subnet = ctx.subnet(id);
    if (!subnet) {
      unknownSubnets.push(id);
      continue;
    }
    const table = ctx.routeTableFor(id);
    const route = defaultRoute(table);
    const where = `${id} (${subnet.availabilityZone}) → ${table ? `${table.routeTableId}${table.subnetIds.includes(id) ? '' : ' (main)'}` : 'no route table'}: 0.0.0.0/0 → ${describeTarget(route)}`;
    if (route?.gatewayId?.startsWith('igw-')) good.push(where);
    else bad.push({ subnet: id, ...(table ? { table } : {}), text: where });
  }
  const evidence = [found.how, ...bad.map((b) => b.text), ...good];
  if (bad.length > 0) {
    const natNote = bad.some((b) => /nat-/.test(b.text))
      ? ': egress leaves through the NAT gateway, so partners see the NAT’s address, not the pool EIP'
      : ': the pool EIP never carries the pods’ egress';
    const vpcId = ctx.subnet(bad[0]?.subnet ?? '')?.vpcId;
    const publicTable = ctx.snap.routeTables.find(
      (t) => t.vpcId === vpcId && defaultRoute(t)?.gatewayId?.startsWith('igw-'),
    );
    const igw = publicTable ? defaultRoute(publicTable)?.gatewayId : undefined;
    const fixes = bad.map((b) => {
      if (publicTable) {
        const assoc = b.table?.associationIds[b.subnet];
        return assoc
          ? `aws ec2 replace-route-table-association --association-id ${assoc} --route-table-id ${publicTable.routeTableId}`
          : `aws ec2 associate-route-table --subnet-id ${b.subnet} --route-table-id ${publicTable.routeTableId}`;
      }
      return `aws ec2 replace-route --route-table-id ${b.table?.routeTableId ?? '<route table>'} --destination-cidr-block 0.0.0.0/0 --gateway-id ${igw ?? `<internet gateway of ${vpcId ?? 'the VPC'}>`}`;
    });
    return r.fail(
      `Pool ${view.pool.name}'s ENIs sit in subnet(s) without an internet-gateway default route${natNote}`,
      evidence,
      `route the pool's subnets to an internet gateway (this changes egress for everything in them), or move the pool's pods to public subnets: ${[...new Set(fixes)].join(' && ')}`,
    );
  }
  if (unknownSubnets.length > 0)
    return r.unknown(
      `Subnets ${unknownSubnets.join(', ')} of pool ${view.pool.name} were not described`,
      evidence,
      'check that the subnets exist (aws ec2 describe-subnets --subnet-ids …)',
    );
  return r.pass(`Pool ${view.pool.name}'s subnets route 0.0.0.0/0 to an internet gateway`, evidence);
}

/** Node group subnets whose default route is an internet gateway (their pods egress from public addresses only). */
function igwRoutedNodeSubnets(ctx: CheckContext): string[] {
  const ids = [...new Set(ctx.snap.nodegroups.flatMap((ng) => ng.subnets))].sort();
  return ids.filter((id) => defaultRoute(ctx.routeTableFor(id))?.gatewayId?.startsWith('igw-'));
}

/**
 * `AWS_VPC_K8S_CNI_EXTERNALSNAT=true` is node-wide: every pod then egresses from its own IP, so in a subnet routed to
 * an internet gateway a pod without an EIP has no internet egress (amazon-vpc-cni-k8s README,
 * AWS_VPC_K8S_CNI_EXTERNALSNAT; https://docs.aws.amazon.com/eks/latest/userguide/external-snat.html). The fix says so
 * first, and how to keep other workloads' egress.
 */
export function externalSnatFix(ctx: CheckContext): string {
  const public_ = igwRoutedNodeSubnets(ctx);
  return [
    `AWS_VPC_K8S_CNI_EXTERNALSNAT=true applies to every pod on every node: pods without an EIP of their own on nodes in subnets routed to an internet gateway${public_.length > 0 ? ` (${public_.join(', ')})` : ''} lose internet egress. First give pod-EIP workloads a dedicated node group in those subnets (taint it, tolerate the taint in those workloads only) and move every other workload to node groups in NAT-routed subnets, then:`,
    ctx.cniCommand({ env: { AWS_VPC_K8S_CNI_EXTERNALSNAT: 'true' } }),
  ].join('\n');
}

function externalSnat(ctx: CheckContext, view: PoolView): CheckResult {
  const r = resultsOf(ctx, 'egress-external-snat', 'high', { pool: view.pool.name });
  const snat = ctx.cni.flag('AWS_VPC_K8S_CNI_EXTERNALSNAT');
  if (!snat.known)
    return r.unknown(
      `Cannot read AWS_VPC_K8S_CNI_EXTERNALSNAT, which pool ${view.pool.name} (secondary IPs) needs set to true`,
      [snat.reason],
      snat.enable,
    );
  if (snat.value)
    return r.pass('AWS_VPC_K8S_CNI_EXTERNALSNAT=true: pod egress keeps the pod IP and its EIP', [
      `from the ${snat.source}`,
    ]);
  return r.fail(
    `The VPC CNI SNATs pod egress to the node's primary IP, so pool ${view.pool.name}'s EIPs on pod IPs never carry egress`,
    [
      `AWS_VPC_K8S_CNI_EXTERNALSNAT is false (${snat.source})`,
      `pool ${view.pool.name} targets secondary IPs on node ENIs`,
    ],
    externalSnatFix(ctx),
  );
}

function egressEnforcingMode(ctx: CheckContext, view: PoolView): CheckResult {
  const r = resultsOf(ctx, 'egress-enforcing-mode', 'high', { pool: view.pool.name });
  const mode = enforcingModeInForce(ctx.cni);
  if (!mode.known)
    return r.unknown(
      `Cannot read POD_SECURITY_GROUP_ENFORCING_MODE for pool ${view.pool.name}'s branch ENIs`,
      [mode.reason],
      mode.enable,
    );
  if (mode.value !== 'standard')
    return r.pass(`Enforcing mode ${mode.value}: branch-ENI pods egress through their own ENI`, [
      `from the ${mode.source}`,
    ]);
  const snat = ctx.cni.flag('AWS_VPC_K8S_CNI_EXTERNALSNAT');
  if (!snat.known)
    return r.unknown(
      'Enforcing mode standard SNATs branch-ENI pods unless AWS_VPC_K8S_CNI_EXTERNALSNAT=true, which cannot be read',
      [snat.reason],
      snat.enable,
    );
  if (snat.value)
    return r.pass(
      'Enforcing mode standard with AWS_VPC_K8S_CNI_EXTERNALSNAT=true: branch-ENI egress keeps the pod IP',
      [`from the ${mode.source}`],
    );
  return r.fail(
    `In standard enforcing mode the VPC CNI SNATs pool ${view.pool.name}'s pods to the node IP, so their EIPs carry no egress`,
    [
      `POD_SECURITY_GROUP_ENFORCING_MODE=standard (${mode.source})`,
      `AWS_VPC_K8S_CNI_EXTERNALSNAT is false (${snat.source})`,
    ],
    externalSnatFix(ctx),
  );
}

export function podEipEgressChecks(ctx: CheckContext): CheckResult[] {
  const results: CheckResult[] = [];
  for (const view of ctx.snap.pools) {
    results.push(egressRoute(ctx, view));
    if (view.pool.target === 'secondary-ip') results.push(externalSnat(ctx, view));
    else results.push(egressEnforcingMode(ctx, view));
  }
  return results;
}
