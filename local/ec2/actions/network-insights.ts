/**
 * VPC Reachability Analyzer calls: CreateNetworkInsightsPath, StartNetworkInsightsAnalysis,
 * DescribeNetworkInsightsAnalyses, DeleteNetworkInsightsPath (EC2 API reference). Paths run from a network interface
 * (or an instance's primary one) to an internet gateway; an analysis is evaluated when it starts and is reported
 * `running` by StartNetworkInsightsAnalysis, `succeeded` from then on.
 */
import { Ec2Error, invalidParameterValue } from '../errors';
import { applyFilters, paginate } from '../filters';
import { filters, int, requireStr, str, strList } from '../query';
import { tagSet } from '../render';
import { dryRunOperation, type Ec2State, type NetworkInterface } from '../state';
import {
  type AnalysisComponent,
  type AnalysisExplanation,
  arnOf,
  type ComponentRef,
  evaluateEniToInternetGateway,
  type InsightsAnalysis,
  type InsightsPath,
  insightsOf,
  internetGatewaysOf,
} from '../state/network-insights';
import type { XmlElement } from '../xml';
import { type ActionDef, tagsFor } from './common';

const pathNotFound = (id: string) =>
  new Ec2Error('InvalidNetworkInsightsPathId.NotFound', `The network insights path '${id}' does not exist`);

function sourceEni(state: Ec2State, source: string): NetworkInterface {
  if (source.startsWith('i-')) {
    const primary = state
      .enisOf(state.requireInstance(source).instanceId)
      .find((e) => e.attachment?.deviceIndex === 0);
    if (primary) return primary;
  }
  if (source.startsWith('eni-')) return state.requireEni(source);
  throw invalidParameterValue(
    `The source '${source}' is not a network interface or an instance of this simulator`,
  );
}

function requireInternetGateway(state: Ec2State, id: string, vpcId: string): void {
  if (!id.startsWith('igw-'))
    throw invalidParameterValue(`The destination '${id}' is not an internet gateway of this simulator`);
  const known = [...state.vpcById.keys()].some((v) => internetGatewaysOf(state, v).has(id));
  if (!known)
    throw new Ec2Error('InvalidInternetGatewayID.NotFound', `The internetGateway ID '${id}' does not exist`);
  if (!internetGatewaysOf(state, vpcId).has(id))
    throw invalidParameterValue(
      `The source and destination of a path must be in the same VPC (${id} is not attached to ${vpcId})`,
    );
}

const refXml = (r: ComponentRef | undefined) => r && { id: r.id, arn: r.arn };

function explanationXml(e: AnalysisExplanation): XmlElement {
  return {
    explanationCode: e.explanationCode,
    direction: e.direction,
    component: refXml(e.component),
    address: e.address,
    routeTable: refXml(e.routeTable),
    internetGateway: refXml(e.internetGateway),
    natGateway: refXml(e.natGateway),
    networkInterface: refXml(e.networkInterface),
    securityGroupSet: e.securityGroups?.map((g) => ({ id: g.id, arn: g.arn })),
    subnet: refXml(e.subnet),
    vpc: refXml(e.vpc),
    state: e.state,
  };
}

function componentXml(c: AnalysisComponent, path: InsightsPath): XmlElement {
  const port = path.destinationPort;
  return {
    sequenceNumber: c.sequenceNumber,
    component: refXml(c.component),
    vpc: refXml(c.vpc),
    subnet: refXml(c.subnet),
    routeTableRoute: c.routeTableRoute,
    securityGroupRule: c.securityGroupRule,
    outboundHeader: c.sourceAddresses && {
      sourceAddressSet: c.sourceAddresses,
      protocol: path.protocol,
      ...(port !== undefined ? { destinationPortRangeSet: [{ from: port, to: port }] } : {}),
    },
    explanationSet: c.explanations?.map(explanationXml),
  };
}

function pathXml(state: Ec2State, p: InsightsPath): XmlElement {
  return {
    networkInsightsPathId: p.networkInsightsPathId,
    networkInsightsPathArn: p.networkInsightsPathArn,
    createdDate: p.createdDate,
    source: p.source,
    destination: p.destination,
    sourceArn: arnOf(state, p.source.startsWith('i-') ? 'instance' : 'network-interface', p.source),
    destinationArn: arnOf(state, 'internet-gateway', p.destination),
    sourceIp: p.sourceIp,
    destinationIp: p.destinationIp,
    protocol: p.protocol,
    destinationPort: p.destinationPort,
    tagSet: tagSet(p.tags),
  };
}

function analysisXml(a: InsightsAnalysis, path: InsightsPath | undefined): XmlElement {
  const done = a.status === 'succeeded';
  return {
    networkInsightsAnalysisId: a.networkInsightsAnalysisId,
    networkInsightsAnalysisArn: a.networkInsightsAnalysisArn,
    networkInsightsPathId: a.networkInsightsPathId,
    startDate: a.startDate,
    status: a.status,
    statusMessage: a.statusMessage,
    networkPathFound: done ? a.networkPathFound : undefined,
    forwardPathComponentSet:
      done && path ? a.forwardPathComponents.map((c) => componentXml(c, path)) : undefined,
    explanationSet: done ? a.explanations.map(explanationXml) : undefined,
    tagSet: tagSet(a.tags),
  };
}

export const CreateNetworkInsightsPath: ActionDef = {
  mutating: true,
  requestParameters: (p) => ({
    source: str(p, 'Source'),
    destination: str(p, 'Destination'),
    sourceIp: str(p, 'SourceIp'),
    destinationIp: str(p, 'DestinationIp'),
    protocol: str(p, 'Protocol'),
    destinationPort: str(p, 'DestinationPort'),
  }),
  run({ state, params, dryRun }) {
    const source = requireStr(params, 'Source');
    const protocol = requireStr(params, 'Protocol');
    if (protocol !== 'tcp' && protocol !== 'udp')
      throw invalidParameterValue(
        `Value (${protocol}) for parameter Protocol is invalid. Expected tcp or udp.`,
      );
    const destination = requireStr(params, 'Destination');
    const eni = sourceEni(state, source);
    requireInternetGateway(state, destination, eni.vpcId);
    const destinationPort = int(params, 'DestinationPort');
    if (destinationPort !== undefined && (destinationPort < 0 || destinationPort > 65535))
      throw invalidParameterValue(`Value (${destinationPort}) for parameter DestinationPort is invalid.`);
    const tags = tagsFor(params, 'network-insights-path');
    if (dryRun) throw dryRunOperation();
    const id = state.env.ids.next('nip');
    const sourceIp = str(params, 'SourceIp');
    const destinationIp = str(params, 'DestinationIp');
    const path: InsightsPath = {
      networkInsightsPathId: id,
      networkInsightsPathArn: arnOf(state, 'network-insights-path', id),
      createdDate: state.env.clock.now().toISOString(),
      source,
      destination,
      ...(sourceIp ? { sourceIp } : {}),
      ...(destinationIp ? { destinationIp } : {}),
      protocol,
      ...(destinationPort !== undefined ? { destinationPort } : {}),
      tags,
    };
    insightsOf(state).paths.set(id, path);
    return {
      body: { networkInsightsPath: pathXml(state, path) },
      responseElements: { networkInsightsPathId: id },
    };
  },
};

export const StartNetworkInsightsAnalysis: ActionDef = {
  mutating: true,
  requestParameters: (p) => ({ networkInsightsPathId: str(p, 'NetworkInsightsPathId') }),
  run({ state, params, dryRun }) {
    const pathId = requireStr(params, 'NetworkInsightsPathId');
    const store = insightsOf(state);
    const path = store.paths.get(pathId);
    if (!path) throw pathNotFound(pathId);
    const tags = tagsFor(params, 'network-insights-analysis');
    if (dryRun) throw dryRunOperation();
    const eni = sourceEni(state, path.source);
    const result = evaluateEniToInternetGateway(state, eni, path);
    const id = state.env.ids.next('nia');
    const analysis: InsightsAnalysis = {
      networkInsightsAnalysisId: id,
      networkInsightsAnalysisArn: arnOf(state, 'network-insights-analysis', id),
      networkInsightsPathId: pathId,
      startDate: state.env.clock.now().toISOString(),
      status: 'succeeded',
      networkPathFound: result.found,
      forwardPathComponents: result.forward,
      explanations: result.explanations,
      tags,
    };
    store.analyses.set(id, analysis);
    store.analysesStarted += 1;
    // The start response reports the analysis as running, as AWS does; Describe shows the result.
    return {
      body: { networkInsightsAnalysis: analysisXml({ ...analysis, status: 'running' }, path) },
      responseElements: { networkInsightsAnalysisId: id },
    };
  },
};

export const DescribeNetworkInsightsAnalyses: ActionDef = {
  mutating: false,
  run({ state, params }) {
    const store = insightsOf(state);
    const ids = strList(params, 'NetworkInsightsAnalysisId');
    for (const id of ids)
      if (!store.analyses.has(id))
        throw new Ec2Error(
          'InvalidNetworkInsightsAnalysisId.NotFound',
          `The network insights analysis '${id}' does not exist`,
        );
    const pathId = str(params, 'NetworkInsightsPathId');
    const all = [...store.analyses.values()]
      .filter((a) => ids.length === 0 || ids.includes(a.networkInsightsAnalysisId))
      .filter((a) => pathId === undefined || a.networkInsightsPathId === pathId)
      .sort((a, b) => a.networkInsightsAnalysisId.localeCompare(b.networkInsightsAnalysisId));
    const matched = applyFilters(
      all,
      filters(params),
      { 'path-found': (a) => a.networkPathFound, status: (a) => a.status },
      (a) => a.tags,
    );
    const { page, nextToken } = paginate(
      matched,
      (a) => a.networkInsightsAnalysisId,
      int(params, 'MaxResults'),
      str(params, 'NextToken'),
      { min: 1, max: 100 },
    );
    return {
      body: {
        networkInsightsAnalysisSet: page.map((a) => analysisXml(a, store.paths.get(a.networkInsightsPathId))),
        nextToken,
      },
    };
  },
};

export const DeleteNetworkInsightsPath: ActionDef = {
  mutating: true,
  requestParameters: (p) => ({ networkInsightsPathId: str(p, 'NetworkInsightsPathId') }),
  run({ state, params, dryRun }) {
    const pathId = requireStr(params, 'NetworkInsightsPathId');
    const store = insightsOf(state);
    if (!store.paths.has(pathId)) throw pathNotFound(pathId);
    if (dryRun) throw dryRunOperation();
    store.paths.delete(pathId);
    for (const [id, a] of store.analyses) if (a.networkInsightsPathId === pathId) store.analyses.delete(id);
    return { body: { networkInsightsPathId: pathId }, responseElements: { networkInsightsPathId: pathId } };
  },
};
