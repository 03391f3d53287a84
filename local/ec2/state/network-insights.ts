/**
 * VPC Reachability Analyzer in the simulated EC2: paths, analyses, and the evaluation of a path from a network
 * interface to an internet gateway over the simulated route tables, NAT gateways, security groups and Elastic IPs
 * (https://docs.aws.amazon.com/vpc/latest/reachability/how-reachability-analyzer-works.html). Explanation codes are
 * AWS's (https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html).
 *
 * What the world does not model, the evaluation takes as AWS's defaults: network ACLs allow everything (the default
 * ACL), a security group without egress rules set here has the default "all traffic to 0.0.0.0/0" egress rule, and a
 * NAT gateway sits in a public subnet of its VPC (its own route leads to the VPC's internet gateway).
 */
import { cidrContains, intToIp, parseCidr } from '../cidr';
import { addressOn } from './lookups';
import type { Ec2World, NetworkInterface, Route, RouteTable, Tag } from './model';

export interface ComponentRef {
  id: string;
  arn: string;
}

export interface InsightsPath {
  networkInsightsPathId: string;
  networkInsightsPathArn: string;
  createdDate: string;
  source: string;
  destination: string;
  sourceIp?: string;
  destinationIp?: string;
  protocol: 'tcp' | 'udp';
  destinationPort?: number;
  tags: Tag[];
}

export interface AnalysisExplanation {
  explanationCode: string;
  direction?: 'egress' | 'ingress';
  component?: ComponentRef;
  address?: string;
  routeTable?: ComponentRef;
  internetGateway?: ComponentRef;
  natGateway?: ComponentRef;
  networkInterface?: ComponentRef;
  securityGroups?: ComponentRef[];
  subnet?: ComponentRef;
  vpc?: ComponentRef;
  state?: string;
}

export interface AnalysisComponent {
  sequenceNumber: number;
  component: ComponentRef;
  vpc?: ComponentRef;
  subnet?: ComponentRef;
  routeTableRoute?: { destinationCidr: string; gatewayId?: string; natGatewayId?: string; state: string };
  securityGroupRule?: { cidr: string; direction: 'egress'; securityGroupId: string; protocol: string };
  /** Source addresses of the packet as it leaves this component. */
  sourceAddresses?: string[];
  explanations?: AnalysisExplanation[];
}

export interface InsightsAnalysis {
  networkInsightsAnalysisId: string;
  networkInsightsAnalysisArn: string;
  networkInsightsPathId: string;
  startDate: string;
  status: 'running' | 'succeeded' | 'failed';
  statusMessage?: string;
  networkPathFound?: boolean;
  forwardPathComponents: AnalysisComponent[];
  explanations: AnalysisExplanation[];
  tags: Tag[];
}

/** A security group egress rule (`protocol` `-1` is all traffic). */
export interface EgressRule {
  protocol: 'tcp' | 'udp' | '-1';
  fromPort?: number;
  toPort?: number;
  cidr: string;
}

export interface NetworkInsightsStore {
  readonly paths: Map<string, InsightsPath>;
  readonly analyses: Map<string, InsightsAnalysis>;
  /** Egress rules of security groups that do not keep the default rule. */
  readonly egressRules: Map<string, EgressRule[]>;
  /** How many analyses were started (each one costs $0.10 on AWS). */
  analysesStarted: number;
}

const stores = new WeakMap<Ec2World, NetworkInsightsStore>();

export function insightsOf(w: Ec2World): NetworkInsightsStore {
  let s = stores.get(w);
  if (!s) {
    s = { paths: new Map(), analyses: new Map(), egressRules: new Map(), analysesStarted: 0 };
    stores.set(w, s);
  }
  return s;
}

/** Replaces a security group's egress rules (scenarios and tests; `[]` allows no egress). */
export function setSecurityGroupEgress(w: Ec2World, groupId: string, rules: EgressRule[]): void {
  insightsOf(w).egressRules.set(groupId, rules);
}

export function arnOf(w: Ec2World, type: string, id: string): string {
  return `arn:aws:ec2:${w.region}:${w.accountId}:${type}/${id}`;
}

const ref = (w: Ec2World, type: string, id: string): ComponentRef => ({ id, arn: arnOf(w, type, id) });

/** Internet gateways of a VPC: its attached one, and any a route of its tables names (a route needs it attached). */
export function internetGatewaysOf(w: Ec2World, vpcId: string): Set<string> {
  const out = new Set<string>();
  const vpc = w.vpcById.get(vpcId);
  if (vpc?.internetGatewayId) out.add(vpc.internetGatewayId);
  for (const t of w.routeTableById.values())
    if (t.vpcId === vpcId)
      for (const r of t.routes) if (r.gatewayId?.startsWith('igw-')) out.add(r.gatewayId);
  return out;
}

export function routeTableOf(w: Ec2World, subnetId: string, vpcId: string): RouteTable | undefined {
  const tables = [...w.routeTableById.values()].filter((t) => t.vpcId === vpcId);
  return (
    tables.find((t) => t.associations.some((a) => a.subnetId === subnetId)) ??
    tables.find((t) => t.associations.some((a) => a.main))
  );
}

/** The route an internet-bound packet takes: the longest prefix that contains the destination. */
function routeFor(table: RouteTable, destination: string): Route | undefined {
  return table.routes
    .filter(
      (r) =>
        r.destinationCidrBlock.includes('.') && cidrContains(parseCidr(r.destinationCidrBlock), destination),
    )
    .sort((a, b) => parseCidr(b.destinationCidrBlock).prefix - parseCidr(a.destinationCidrBlock).prefix)[0];
}

const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'].map(parseCidr);

/** A rule that lets the packet out to some internet address (the path names none) or to `destinationIp`. */
function ruleAllows(rule: EgressRule, path: InsightsPath): boolean {
  if (rule.protocol !== '-1' && rule.protocol !== path.protocol) return false;
  if (rule.protocol !== '-1' && path.destinationPort !== undefined) {
    if (path.destinationPort < (rule.fromPort ?? 0) || path.destinationPort > (rule.toPort ?? 65535))
      return false;
  }
  const cidr = parseCidr(rule.cidr);
  if (path.destinationIp) return cidrContains(cidr, path.destinationIp);
  return !PRIVATE.some((p) => cidr.prefix >= p.prefix && cidrContains(p, intToIp(cidr.base)));
}

/** Internet traffic of a path without a destination address follows the route of any public address. */
const SOME_INTERNET_ADDRESS = '192.0.2.1';

/**
 * Whether the ENI has an available attachment: attached to an instance, or a branch ENI whose trunk ENI (the tag the
 * VPC resource controller sets) is attached to its node.
 */
function hasAvailableAttachment(w: Ec2World, eni: NetworkInterface): boolean {
  if (eni.attachment || eni.status === 'in-use') return true;
  const trunkId = eni.tags.find((t) => t.key === 'vpcresources.k8s.aws/trunk-eni-id')?.value;
  return trunkId !== undefined && w.eniById.get(trunkId)?.attachment !== undefined;
}

export interface Evaluation {
  found: boolean;
  forward: AnalysisComponent[];
  explanations: AnalysisExplanation[];
}

/** Security groups: the first rule of any group that lets the packet out, or why none does. */
function securityGroupStep(
  w: Ec2World,
  eni: NetworkInterface,
  path: InsightsPath,
): { group: string; rule: EgressRule } | { explanation: AnalysisExplanation } {
  const store = insightsOf(w);
  const groups = eni.groups.map((g) => ({
    id: g.groupId,
    rules: store.egressRules.get(g.groupId) ?? [{ protocol: '-1' as const, cidr: '0.0.0.0/0' }],
  }));
  for (const g of groups) {
    const rule = g.rules.find((r) => ruleAllows(r, path));
    if (rule) return { group: g.id, rule };
  }
  const noRules = groups.length > 0 && groups.every((g) => g.rules.length === 0);
  const explanation: AnalysisExplanation = {
    explanationCode: noRules ? 'SG_HAS_NO_RULES' : 'ENI_SG_RULES_MISMATCH',
    direction: 'egress',
    component: ref(w, 'network-interface', eni.networkInterfaceId),
    networkInterface: ref(w, 'network-interface', eni.networkInterfaceId),
    securityGroups: groups.map((g) => ref(w, 'security-group', g.id)),
  };
  return { explanation };
}

/** Evaluates a path from a network interface to an internet gateway, hop by hop. */
export function evaluateEniToInternetGateway(
  w: Ec2World,
  eni: NetworkInterface,
  path: InsightsPath,
): Evaluation {
  const forward: AnalysisComponent[] = [];
  const add = (c: Omit<AnalysisComponent, 'sequenceNumber'>) =>
    forward.push({ sequenceNumber: forward.length + 1, ...c });
  const notFound = (explanation: AnalysisExplanation): Evaluation => ({
    found: false,
    forward,
    explanations: [explanation],
  });
  const vpc = ref(w, 'vpc', eni.vpcId);
  const subnet = ref(w, 'subnet', eni.subnetId);
  const sourceIp = path.sourceIp ?? eni.privateIpAddress;
  const igw = ref(w, 'internet-gateway', path.destination);
  add({
    component: ref(w, 'network-interface', eni.networkInterfaceId),
    vpc,
    subnet,
    sourceAddresses: [sourceIp],
  });

  const sg = securityGroupStep(w, eni, path);
  if ('explanation' in sg) return notFound(sg.explanation);
  add({
    component: ref(w, 'security-group', sg.group),
    vpc,
    securityGroupRule: {
      cidr: sg.rule.cidr,
      direction: 'egress',
      securityGroupId: sg.group,
      protocol: sg.rule.protocol,
    },
  });

  const table = routeTableOf(w, eni.subnetId, eni.vpcId);
  const tableRef = table ? ref(w, 'route-table', table.routeTableId) : undefined;
  const route = table ? routeFor(table, path.destinationIp ?? SOME_INTERNET_ADDRESS) : undefined;
  if (!table || !route || route.gatewayId === 'local')
    return notFound({
      explanationCode: 'NO_ROUTE_TO_DESTINATION',
      component: tableRef ?? subnet,
      ...(tableRef ? { routeTable: tableRef } : {}),
      internetGateway: igw,
      vpc,
    });
  const routeTableRoute = {
    destinationCidr: route.destinationCidrBlock,
    ...(route.gatewayId ? { gatewayId: route.gatewayId } : {}),
    ...(route.natGatewayId ? { natGatewayId: route.natGatewayId } : {}),
    state: route.state,
  };
  if (route.state === 'blackhole')
    return notFound({
      explanationCode: 'BAD_STATE_ROUTE',
      component: tableRef,
      routeTable: tableRef,
      state: 'blackhole',
      vpc,
    });
  add({ component: tableRef as ComponentRef, vpc, routeTableRoute });

  if (route.natGatewayId) {
    // The NAT gateway rewrites the source to its own address; the EIP on the ENI carries nothing.
    const nat = ref(w, 'natgateway', route.natGatewayId);
    if (!internetGatewaysOf(w, eni.vpcId).has(path.destination))
      return notFound({
        explanationCode: 'NO_ROUTE_TO_DESTINATION',
        component: nat,
        natGateway: nat,
        internetGateway: igw,
        vpc,
      });
    add({
      component: nat,
      vpc,
      explanations: [{ explanationCode: 'NGW_SOURCE_ADDRESS_REASSIGN', natGateway: nat }],
    });
    add({ component: igw, vpc });
    return { found: true, forward, explanations: [] };
  }
  if (route.gatewayId !== path.destination)
    return notFound({
      explanationCode: 'NO_ROUTE_TO_DESTINATION',
      component: tableRef,
      routeTable: tableRef,
      internetGateway: igw,
      vpc,
    });

  const eip = addressOn(w, eni.networkInterfaceId, sourceIp);
  if (!eip || !hasAvailableAttachment(w, eni))
    return notFound({
      explanationCode: 'IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS',
      component: igw,
      internetGateway: igw,
      address: sourceIp,
      vpc,
    });
  add({ component: igw, vpc, sourceAddresses: [eip.publicIp] });
  return { found: true, forward, explanations: [] };
}
