/**
 * The organization hub stack and a member's forwarding to it, as synthesized: the bus admits PutEvents from the
 * organization only, the ingestion function is ruled on the hub's bus with only what it calls, the member's
 * forwarding role may put events on the hub's bus and nothing else, and both stacks pass cdk-nag.
 */

import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOrganizationIdError } from '../../infra/constructs/hub';
import { EipKeeperHubStack } from '../../infra/hub-stack';
import { FUNCTIONS } from '../../shared/app/functions';
import { hubIngest } from '../../shared/hub/function-spec';
import { HUB_KINDS } from '../../shared/hub/model';
import { METRICS_NAMESPACE } from '../../shared/runtime/metric-names';
import {
  allowedActions,
  asArray,
  HUB_BUS_ARN,
  nagViolations,
  type PolicyStatement,
  placeholderCode,
  removeAssemblies,
  roleStatements,
  synth,
} from './helpers';
import { reachableCalls } from './reachable-actions';

afterAll(removeAssemblies);

const ORG = 'o-a1b2c3d4e5';
const ENV = { account: '999988887777', region: 'eu-west-1' };

function hubApp(): { app: App; template: Template } {
  const app = new App();
  const stack = new EipKeeperHubStack(app, 'EipKeeperHub', {
    env: ENV,
    organizationId: ORG,
    alertEmail: 'security@example.com',
    codeFor: placeholderCode,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, template: Template.fromStack(stack) };
}

/** Statements of the policies attached to roles whose logical id starts with `prefix`. */
function statementsOf(template: Template, prefix: string): PolicyStatement[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) =>
    asArray(p.Properties.Roles as { Ref: string } | { Ref: string }[]).some((r) => r.Ref.startsWith(prefix))
      ? (p.Properties.PolicyDocument.Statement as PolicyStatement[])
      : [],
  );
}

/** The metric arrays of a synthesized dashboard body (its tokens, all inside strings, replaced by a placeholder). */
function dashboardMetrics(body: unknown): string[][] {
  const parts = (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  const json = parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
  const widgets = (JSON.parse(json) as { widgets: { properties: { metrics?: unknown[][] } }[] }).widgets;
  return widgets.flatMap((w) =>
    (w.properties.metrics ?? []).map((m) => m.filter((x): x is string => typeof x === 'string')),
  );
}

describe('the hub stack', () => {
  let app: App;
  let template: Template;
  beforeAll(() => {
    ({ app, template } = hubApp());
  });

  it('lets principals of the organization put events on its bus, and no one else', () => {
    const policies = Object.values(template.findResources('AWS::Events::EventBusPolicy'));
    expect(policies).toHaveLength(1);
    const statement = policies[0]?.Properties.Statement;
    expect(statement).toMatchObject({
      Sid: 'cdk-OrganizationMembersPutEvents',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 'events:PutEvents',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } },
    });
  });

  it('rules every eip-keeper event on the hub bus to the ingestion function', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    const member = rules.find(
      (r) => JSON.stringify(r.Properties.EventPattern) === '{"source":["eip-keeper"]}',
    );
    expect(member?.Properties.EventBusName).toEqual({ Ref: expect.stringMatching(/^HubBus/) });
  });

  it('gives the ingestion role only what its code calls: its own items and the topic', async () => {
    const statements = statementsOf(template, 'HubHubIngestRole');
    const calls = await reachableCalls(hubIngest.entry);
    const allowed = allowedActions(statements);
    const platform = [
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:SendMessage',
      'kms:GenerateDataKey',
      'kms:Decrypt',
    ];
    // The hub's configuration is inline (the defaults): the runtime's read of a configuration parameter never runs.
    const called = [...calls.actions].filter((a) => a !== 'ssm:GetParameter');
    expect(called.filter((a) => !allowed.has(a))).toEqual([]);
    expect([...allowed].filter((a) => !called.includes(a) && !platform.includes(a))).toEqual([]);
    expect(called.sort()).toEqual(['dynamodb:PutItem', 'sns:Publish']);
    const write = statements.find((s) => s.Sid === 'TableWriteOwnItems');
    expect(write?.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['HUB#*'] } });
  });

  it("has a dashboard whose eip-keeper metrics are the ones the hub's ingestion emits, with its service name", () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const metrics = dashboardMetrics(dashboards[0]?.Properties.DashboardBody);
    const ours = metrics.filter((m) => m[0] === METRICS_NAMESPACE);
    // What the ingestion shell emits, read from its source: a metric it stopped emitting fails here.
    const source = readFileSync('shared/hub/hub.ts', 'utf8');
    const emitted = new Set([...source.matchAll(/METRIC\.(\w+)/g)].map((m) => m[1]));
    // The service name the ingestion's Lambda shell writes on every metric, read from its handler.
    const service = /lambdaHandler\('([a-z-]+)'/.exec(readFileSync('functions/hub-ingest.ts', 'utf8'))?.[1];
    expect(service).toBeDefined();
    expect(new Set(ours.map((m) => m[1]))).toEqual(emitted);
    const dims = (m: string[]) =>
      Object.fromEntries(m.slice(2).flatMap((x, i, a) => (i % 2 ? [] : [[x, a[i + 1]]])));
    for (const m of ours) expect(dims(m).service).toBe(service);
    const kinds = ours.filter((m) => m[1] === 'HubEventsKept').map((m) => dims(m).kind);
    expect(kinds).toEqual([...HUB_KINDS]);
    const others = metrics.filter((m) => m[0] !== METRICS_NAMESPACE).map((m) => `${m[0]} ${m[1]}`);
    expect(new Set(others)).toEqual(
      new Set([
        'AWS/SNS NumberOfMessagesPublished',
        'AWS/Lambda Errors',
        'AWS/Events FailedInvocations',
        'AWS/SQS ApproximateNumberOfMessagesVisible',
      ]),
    );
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const url = Object.entries(outputs).find(([k]) => k.includes('HubDashboardUrl'))?.[1].Value;
    expect(JSON.stringify(url)).toContain('.console.aws.amazon.com/cloudwatch/home?region=eu-west-1');
    expect(JSON.stringify(url)).toContain(
      `#dashboards:name=",{"Ref":"${Object.keys(template.findResources('AWS::CloudWatch::Dashboard'))[0]}"}`,
    );
    expect(dashboards[0]?.Properties.DashboardName).toBe('eip-keeper-hub-eu-west-1');
  });

  it('subscribes the alert e-mail to the hub topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'security@example.com',
    });
  });

  it('passes cdk-nag', () => {
    expect(nagViolations(app)).toEqual([]);
  });

  it('refuses an organization id that is not one', () => {
    expect(
      () =>
        new EipKeeperHubStack(new App(), 'Hub', {
          env: ENV,
          organizationId: '123456789012',
          codeFor: placeholderCode,
        }),
    ).toThrow(InvalidOrganizationIdError);
  });
});

describe("a member's forwarding to the hub", () => {
  it('forwards every eip-keeper event to the hub bus with a role that may only put events there', () => {
    const { app, template } = synth({ 'hub.eventBusArn': HUB_BUS_ARN });
    const forward = Object.values(template.findResources('AWS::Events::Rule')).find((r) =>
      JSON.stringify(r.Properties.Targets ?? []).includes(HUB_BUS_ARN),
    );
    expect(forward?.Properties.EventPattern).toEqual({ source: ['eip-keeper'] });
    expect(forward?.Properties.Targets[0].DeadLetterConfig).toBeDefined();

    const statements = statementsOf(template, 'HubForwardRole');
    expect(statements).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: 'events:PutEvents', Resource: HUB_BUS_ARN }),
    ]);
    expect(nagViolations(app)).toEqual([]);
  });

  it('grants the functions PutEvents for eip-keeper events only while a hub is configured', () => {
    const ids = ['Sweeper', 'KeeperEvents', 'KeeperReconciler'];
    const all = FUNCTIONS.map((f) => f.id);
    const on = roleStatements(
      synth({ 'hub.eventBusArn': HUB_BUS_ARN }, {}, undefined, { nag: false }).template,
      all,
    );
    const off = synth({}, {}, undefined, { nag: false });
    for (const id of ids) {
      const hubStatement = on.get(id)?.find((s) => s.Sid === 'PutHubEvents');
      expect(hubStatement?.Condition).toEqual({
        'ForAllValues:StringEquals': { 'events:source': ['eip-keeper'] },
        Null: { 'events:source': 'false' },
      });
    }
    expect(
      Object.keys(off.template.findResources('AWS::IAM::Role')).some((k) => k.startsWith('HubForward')),
    ).toBe(false);
    const offRoles = roleStatements(off.template, all);
    for (const id of ids) expect(offRoles.get(id)?.some((s) => s.Sid === 'PutHubEvents')).toBe(false);
  });
});
