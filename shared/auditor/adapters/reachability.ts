/**
 * Adapter: VPC Reachability Analyzer through EC2 (CreateNetworkInsightsPath, StartNetworkInsightsAnalysis,
 * DescribeNetworkInsightsAnalyses, DeleteNetworkInsightsPath), turned into the plain reports the proof reads.
 */
import {
  CreateNetworkInsightsPathCommand,
  DeleteNetworkInsightsPathCommand,
  DescribeNetworkInsightsAnalysesCommand,
  type EC2Client,
  type Explanation,
  type NetworkInsightsAnalysis,
  StartNetworkInsightsAnalysisCommand,
} from '@aws-sdk/client-ec2';
import type { AnalysisReport } from '../egress-proof';
import type { ReachabilityPort } from '../ports';

/** DescribeNetworkInsightsAnalyses takes this many ids per call. */
const IDS_PER_CALL = 100;

function explanationOf(e: Explanation): AnalysisReport['explanations'][number] {
  const groups = (e.SecurityGroups ?? []).map((g) => g.Id ?? '').filter(Boolean);
  return {
    code: e.ExplanationCode ?? 'UNKNOWN',
    ...(e.Component?.Id ? { componentId: e.Component.Id } : {}),
    ...(groups.length > 0
      ? { securityGroupIds: groups }
      : e.SecurityGroup?.Id
        ? { securityGroupIds: [e.SecurityGroup.Id] }
        : {}),
    ...(e.RouteTable?.Id ? { routeTableId: e.RouteTable.Id } : {}),
    ...(e.Address ? { address: e.Address } : {}),
  };
}

export function analysisReport(a: NetworkInsightsAnalysis): AnalysisReport {
  const status = a.Status === 'succeeded' || a.Status === 'failed' ? a.Status : 'running';
  return {
    analysisId: a.NetworkInsightsAnalysisId ?? '',
    status,
    ...(a.StatusMessage ? { statusMessage: a.StatusMessage } : {}),
    ...(a.NetworkPathFound !== undefined ? { pathFound: a.NetworkPathFound } : {}),
    components: (a.ForwardPathComponents ?? []).map((c) => ({
      id: c.Component?.Id ?? '',
      sourceAddresses: c.OutboundHeader?.SourceAddresses ?? [],
      explanationCodes: (c.Explanations ?? []).map((e) => e.ExplanationCode ?? ''),
    })),
    explanations: (a.Explanations ?? []).map(explanationOf),
  };
}

export class ReachabilityAnalyzer implements ReachabilityPort {
  constructor(private readonly ec2: EC2Client) {}

  async createPath(input: { source: string; sourceIp: string; destination: string; port: number }) {
    const out = await this.ec2.send(
      new CreateNetworkInsightsPathCommand({
        Source: input.source,
        SourceIp: input.sourceIp,
        Destination: input.destination,
        Protocol: 'tcp',
        DestinationPort: input.port,
      }),
    );
    return out.NetworkInsightsPath?.NetworkInsightsPathId ?? '';
  }

  async startAnalysis(pathId: string) {
    const out = await this.ec2.send(
      new StartNetworkInsightsAnalysisCommand({ NetworkInsightsPathId: pathId }),
    );
    return out.NetworkInsightsAnalysis?.NetworkInsightsAnalysisId ?? '';
  }

  async analyses(analysisIds: readonly string[]): Promise<AnalysisReport[]> {
    const out: AnalysisReport[] = [];
    for (let i = 0; i < analysisIds.length; i += IDS_PER_CALL) {
      const page = await this.ec2.send(
        new DescribeNetworkInsightsAnalysesCommand({
          NetworkInsightsAnalysisIds: analysisIds.slice(i, i + IDS_PER_CALL),
        }),
      );
      out.push(...(page.NetworkInsightsAnalyses ?? []).map(analysisReport));
    }
    return out;
  }

  async deletePath(pathId: string) {
    try {
      await this.ec2.send(new DeleteNetworkInsightsPathCommand({ NetworkInsightsPathId: pathId }));
    } catch (err) {
      if ((err as { name?: string }).name !== 'InvalidNetworkInsightsPathId.NotFound') throw err;
    }
  }
}
