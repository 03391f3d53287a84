/**
 * The hub bus's policy as the hub stack deploys it: `EipKeeperHubStack` synthesized with placeholder code, its one
 * `AWS::Events::EventBusPolicy` statement read from the template, the bus's ARN put in place of its token. The
 * simulated organization evaluates every cross-account PutEvents against it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PolicyDocument } from '../iam/policy';

export async function hubBusPolicy(
  hub: { accountId: string; region: string },
  organizationId: string,
  busArn: string,
): Promise<PolicyDocument> {
  const [{ App }, lambda, { EipKeeperHubStack }] = await Promise.all([
    import('aws-cdk-lib'),
    import('aws-cdk-lib/aws-lambda'),
    import('../../infra/hub-stack'),
  ]);
  const outdir = mkdtempSync(join(tmpdir(), 'eip-keeper-hub-'));
  try {
    const app = new App({ outdir });
    const stack = new EipKeeperHubStack(app, 'EipKeeperHub', {
      env: { account: hub.accountId, region: hub.region },
      organizationId,
      codeFor: () => lambda.Code.fromInline('export const handler = async () => {};'),
    });
    const template = app.synth().getStackByName(stack.stackName).template as {
      Resources: Record<string, { Type: string; Properties: { Statement: Record<string, unknown> } }>;
    };
    const policies = Object.values(template.Resources).filter(
      (r) => r.Type === 'AWS::Events::EventBusPolicy',
    );
    return {
      Version: '2012-10-17',
      Statement: policies.map((p) => ({ ...p.Properties.Statement, Resource: busArn })),
    } as PolicyDocument;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
