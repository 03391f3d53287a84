/**
 * EKS in the simulated region (REST-JSON, signing name `eks`): ListClusters, DescribeCluster, ListNodegroups,
 * DescribeNodegroup, DescribeAddon, and the two updates scenarios use to fix things (UpdateAddon,
 * UpdateNodegroupConfig), which write CloudTrail records as EKS does (`source: aws.eks`).
 */
import type { CallOutcome, ServiceEnv, ServiceModule, SimRequest, SimResponse } from '../core/types';
import type { Denial, IamCheck } from '../iam/policy';
import { EksError, type EksState, type SimAddon, type SimCluster, type SimNodegroup } from './state';

const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);

function json(status: number, body: unknown): SimResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function error(status: number, code: string, message: string, requestId: string): SimResponse {
  return {
    status,
    headers: {
      'content-type': 'application/json',
      'x-amzn-errortype': code,
      'x-amzn-requestid': requestId,
    },
    body: JSON.stringify({ message }),
  };
}

interface Route {
  action: string;
  method: string;
  pattern: RegExp;
}

const ROUTES: Route[] = [
  { action: 'ListClusters', method: 'GET', pattern: /^\/clusters$/ },
  { action: 'DescribeCluster', method: 'GET', pattern: /^\/clusters\/([^/]+)$/ },
  { action: 'ListNodegroups', method: 'GET', pattern: /^\/clusters\/([^/]+)\/node-groups$/ },
  { action: 'DescribeNodegroup', method: 'GET', pattern: /^\/clusters\/([^/]+)\/node-groups\/([^/]+)$/ },
  {
    action: 'UpdateNodegroupConfig',
    method: 'POST',
    pattern: /^\/clusters\/([^/]+)\/node-groups\/([^/]+)\/update-config$/,
  },
  { action: 'DescribeAddon', method: 'GET', pattern: /^\/clusters\/([^/]+)\/addons\/([^/]+)$/ },
  { action: 'UpdateAddon', method: 'POST', pattern: /^\/clusters\/([^/]+)\/addons\/([^/]+)\/update$/ },
];

function route(req: SimRequest): { action: string; params: string[] } | undefined {
  for (const r of ROUTES) {
    if (r.method !== req.method) continue;
    const m = r.pattern.exec(req.path);
    if (m) return { action: r.action, params: m.slice(1).map((p) => decodeURIComponent(p)) };
  }
  return undefined;
}

function page<T>(items: T[], query: URLSearchParams): { items: T[]; nextToken?: string } {
  const max = Number(query.get('maxResults') ?? '100');
  if (!Number.isInteger(max) || max < 1 || max > 100)
    throw new EksError('InvalidParameterException', 'maxResults must be between 1 and 100');
  const start = Number(query.get('nextToken') ?? '0');
  const slice = items.slice(start, start + max);
  return start + max < items.length ? { items: slice, nextToken: String(start + max) } : { items: slice };
}

/**
 * The resource each EKS action is authorized on (Service Authorization Reference): a cluster, node group or add-on
 * ARN (node group and add-on ARNs end in an id EKS assigns), or `*` for ListClusters.
 */
const EKS_IAM: Readonly<
  Record<string, (s: EksState, env: ServiceEnv, cluster: string, sub: string) => string>
> = {
  ListClusters: () => '*',
  DescribeCluster: (s, env, c) =>
    s.clusters.get(c)?.arn ?? `arn:aws:eks:${env.region}:${env.accountId}:cluster/${c}`,
  ListNodegroups: (s, env, c) => EKS_IAM.DescribeCluster?.(s, env, c, '') ?? '',
  DescribeNodegroup: (s, env, c, ng) =>
    s.nodegroups.get(c)?.get(ng)?.arn ??
    `arn:aws:eks:${env.region}:${env.accountId}:nodegroup/${c}/${ng}/unknown`,
  UpdateNodegroupConfig: (s, env, c, ng) => EKS_IAM.DescribeNodegroup?.(s, env, c, ng) ?? '',
  DescribeAddon: (s, env, c, a) =>
    s.addons.get(c)?.get(a)?.arn ?? `arn:aws:eks:${env.region}:${env.accountId}:addon/${c}/${a}/unknown`,
  UpdateAddon: (s, env, c, a) => EKS_IAM.DescribeAddon?.(s, env, c, a) ?? '',
};

export interface EksServiceOptions {
  /** The Kubernetes API endpoint of a cluster (the simulated API server). */
  kubernetesEndpoint(cluster: string): Promise<string>;
}

export class EksService implements ServiceModule {
  readonly signingName = 'eks';

  constructor(
    readonly state: EksState,
    private readonly opts: EksServiceOptions,
  ) {}

  actionOf(req: SimRequest): string | undefined {
    return route(req)?.action;
  }

  throttled(_action: string, requestId: string): SimResponse {
    return error(429, 'ThrottlingException', 'Rate exceeded', requestId);
  }

  iamChecks(req: SimRequest, action: string, env: ServiceEnv): IamCheck[] {
    const resource = Object.hasOwn(EKS_IAM, action) ? EKS_IAM[action] : undefined;
    if (!resource) throw new Error(`no IAM mapping for eks:${action}`);
    const [cluster = '', sub = ''] = route(req)?.params ?? [];
    return [{ action: `eks:${action}`, resource: resource(this.state, env, cluster, sub) }];
  }

  /** EKS's refusal: `AccessDeniedException` (403); CloudTrail records a refused update. */
  accessDenied(req: SimRequest, action: string, denial: Denial, env: ServiceEnv): CallOutcome {
    const outcome: CallOutcome = {
      action,
      response: error(403, 'AccessDeniedException', denial.message, env.ids.uuid()),
      errorCode: 'AccessDeniedException',
    };
    if (action.startsWith('Update')) {
      outcome.cloudTrail = {
        eventSource: 'eks.amazonaws.com',
        eventName: action,
        source: 'aws.eks',
        requestParameters: this.requestParameters(action, route(req)?.params ?? [], req),
        responseElements: null,
        errorCode: 'AccessDeniedException',
        errorMessage: denial.message,
      };
    }
    return outcome;
  }

  async handle(req: SimRequest, env: ServiceEnv): Promise<CallOutcome> {
    const requestId = env.ids.uuid();
    const r = route(req);
    if (!r)
      return {
        action: 'Unknown',
        response: error(404, 'UnknownOperationException', `${req.method} ${req.path}`, requestId),
      };
    try {
      return await this.dispatch(r.action, r.params, req);
    } catch (err) {
      if (err instanceof EksError) {
        const outcome: CallOutcome = {
          action: r.action,
          response: error(err.status, err.code, err.message, requestId),
        };
        if (r.action.startsWith('Update'))
          outcome.cloudTrail = {
            eventSource: 'eks.amazonaws.com',
            eventName: r.action,
            source: 'aws.eks',
            requestParameters: this.requestParameters(r.action, r.params, req),
            responseElements: null,
            errorCode: err.code,
            errorMessage: err.message,
          };
        return outcome;
      }
      throw err;
    }
  }

  private requestParameters(action: string, params: string[], req: SimRequest): Record<string, unknown> {
    let body: Record<string, unknown> = {};
    try {
      body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
    } catch {
      body = {};
    }
    return action === 'UpdateAddon'
      ? { clusterName: params[0], addonName: params[1], ...body }
      : { clusterName: params[0], nodegroupName: params[1], ...body };
  }

  private async dispatch(action: string, params: string[], req: SimRequest): Promise<CallOutcome> {
    const s = this.state;
    const [clusterName = '', sub = ''] = params;
    switch (action) {
      case 'ListClusters': {
        const p = page([...s.clusters.keys()].sort(), req.query);
        return {
          action,
          response: json(200, { clusters: p.items, ...(p.nextToken ? { nextToken: p.nextToken } : {}) }),
        };
      }
      case 'DescribeCluster': {
        const c = s.requireCluster(clusterName);
        return { action, response: json(200, { cluster: await this.renderCluster(c) }) };
      }
      case 'ListNodegroups': {
        s.requireCluster(clusterName);
        const p = page([...(s.nodegroups.get(clusterName)?.keys() ?? [])].sort(), req.query);
        return {
          action,
          response: json(200, { nodegroups: p.items, ...(p.nextToken ? { nextToken: p.nextToken } : {}) }),
        };
      }
      case 'DescribeNodegroup':
        return {
          action,
          response: json(200, { nodegroup: renderNodegroup(s.requireNodegroup(clusterName, sub)) }),
        };
      case 'DescribeAddon': {
        const addon = s.requireAddon(clusterName, sub);
        if (addon.deniedActors.has(req.caller.actor))
          throw new EksError(
            'AccessDeniedException',
            `User: ${String(req.caller.userIdentity.arn ?? req.caller.actor)} is not authorized to perform: eks:DescribeAddon on resource: ${addon.arn}`,
            403,
          );
        return { action, response: json(200, { addon: renderAddon(addon) }) };
      }
      case 'UpdateAddon': {
        const body = JSON.parse(req.body || '{}') as { addonVersion?: string; configurationValues?: string };
        const addon = s.updateAddon(clusterName, sub, {
          ...(body.addonVersion !== undefined ? { version: body.addonVersion } : {}),
          ...(body.configurationValues !== undefined
            ? { configurationValues: body.configurationValues }
            : {}),
        });
        const update = this.update('AddonUpdate', [
          ...(body.addonVersion ? [{ type: 'AddonVersion', value: body.addonVersion }] : []),
          ...(body.configurationValues !== undefined
            ? [{ type: 'ConfigurationValues', value: body.configurationValues }]
            : []),
        ]);
        return this.mutation(action, update, { clusterName, addonName: addon.name, ...body });
      }
      case 'UpdateNodegroupConfig': {
        const body = JSON.parse(req.body || '{}') as {
          scalingConfig?: Partial<SimNodegroup['scaling']>;
          labels?: { addOrUpdateLabels?: Record<string, string>; removeLabels?: string[] };
        };
        s.updateNodegroupConfig(clusterName, sub, {
          ...(body.scalingConfig ? { scaling: body.scalingConfig } : {}),
          ...(body.labels?.addOrUpdateLabels ? { addLabels: body.labels.addOrUpdateLabels } : {}),
          ...(body.labels?.removeLabels ? { removeLabels: body.labels.removeLabels } : {}),
        });
        const update = this.update('ConfigUpdate', [
          ...(body.scalingConfig
            ? [{ type: 'MaxSize', value: String(body.scalingConfig.maxSize ?? '') }]
            : []),
        ]);
        return this.mutation(action, update, { clusterName, nodegroupName: sub, ...body });
      }
      default:
        throw new EksError('UnknownOperationException', action, 404);
    }
  }

  private update(type: string, params: { type: string; value: string }[]) {
    this.state.updateCounter += 1;
    return {
      id: this.state.env.ids.uuid(),
      status: 'Successful',
      type,
      params,
      createdAt: epoch(this.state.env.clock.now().toISOString()),
      errors: [],
    };
  }

  private mutation(
    action: string,
    update: Record<string, unknown>,
    requestParameters: Record<string, unknown>,
  ): CallOutcome {
    return {
      action,
      response: json(200, { update }),
      cloudTrail: {
        eventSource: 'eks.amazonaws.com',
        eventName: action,
        source: 'aws.eks',
        requestParameters,
        responseElements: { update },
      },
    };
  }

  private async renderCluster(c: SimCluster) {
    return {
      name: c.name,
      arn: c.arn,
      createdAt: epoch(c.createdAt),
      version: c.version,
      endpoint: await this.opts.kubernetesEndpoint(c.name),
      roleArn: c.roleArn,
      resourcesVpcConfig: {
        subnetIds: c.subnetIds,
        securityGroupIds: c.securityGroupIds,
        clusterSecurityGroupId: c.clusterSecurityGroupId,
        vpcId: c.vpcId,
        endpointPublicAccess: true,
        endpointPrivateAccess: true,
      },
      kubernetesNetworkConfig: { serviceIpv4Cidr: '172.20.0.0/16', ipFamily: 'ipv4' },
      status: c.status,
      certificateAuthority: { data: Buffer.from('simulated-cluster-ca').toString('base64') },
      platformVersion: 'eks.10',
      accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' },
      ...(c.autoMode ? { computeConfig: { enabled: true, nodePools: ['general-purpose', 'system'] } } : {}),
    };
  }
}

function renderNodegroup(n: SimNodegroup) {
  return {
    nodegroupName: n.name,
    nodegroupArn: n.arn,
    clusterName: n.cluster,
    version: '1.31',
    releaseVersion: '1.31.0-20260101',
    createdAt: epoch(n.createdAt),
    modifiedAt: epoch(n.modifiedAt),
    status: n.status,
    capacityType: n.capacityType,
    scalingConfig: n.scaling,
    instanceTypes: n.launchTemplate && n.instanceTypes.length === 0 ? undefined : n.instanceTypes,
    subnets: n.subnets,
    amiType: n.amiType,
    nodeRole: n.nodeRole,
    labels: n.labels,
    resources: { autoScalingGroups: [{ name: `eks-${n.name}` }] },
    health: { issues: n.healthIssues },
    ...(n.launchTemplate ? { launchTemplate: n.launchTemplate } : {}),
  };
}

function renderAddon(a: SimAddon) {
  return {
    addonName: a.name,
    clusterName: a.cluster,
    status: a.status,
    addonVersion: a.version,
    health: { issues: [] },
    addonArn: a.arn,
    createdAt: epoch(a.createdAt),
    modifiedAt: epoch(a.modifiedAt),
    ...(a.configurationValues !== undefined ? { configurationValues: a.configurationValues } : {}),
  };
}
