/**
 * The policies the simulated region evaluates are the stack's: synthesized for the configuration, with every
 * CloudFormation token resolved to the region's ARNs.
 */
import { describe, expect, inject, it } from 'vitest';
import { functionRoleName } from '../../local/core/identities';
import { resolveStackPolicies, stackTemplate } from '../../local/iam/stack-policies';
import { SimulatedRegion } from '../../local/region';
import { FUNCTIONS } from '../../shared/app/functions';
import { parseAppConfig } from '../../shared/config/schema';
import { paymentsPool } from '../support/world';

const names = {
  partition: 'aws',
  region: 'eu-west-1',
  accountId: '111122223333',
  tableName: 'eip-keeper-test',
  topicArn: 'arn:aws:sns:eu-west-1:111122223333:eip-keeper-alerts',
};

async function policiesFor(config: unknown) {
  const template = await stackTemplate(parseAppConfig(config, 'test'), names.accountId, names.region);
  return resolveStackPolicies(template, names);
}

function statementsOf(policies: Awaited<ReturnType<typeof policiesFor>>, functionId: string) {
  return policies.roles.get(functionId)?.policies.flatMap((p) => p.Statement) ?? [];
}

describe('the stack policies of the simulated region', () => {
  it('has a role for every function of the catalog, named as its sessions sign', async () => {
    const p = await policiesFor({});
    expect([...p.roles.keys()].sort()).toEqual(FUNCTIONS.map((f) => f.id).sort());
    expect(p.roles.get('Sweeper')?.roleArn).toBe('arn:aws:iam::111122223333:role/EipKeeper-SweeperRole');
  });

  it('resolves every token: table, kill switch, key and log group ARNs are the region’s', async () => {
    const p = await policiesFor({});
    const json = JSON.stringify([...p.roles.values(), ...p.resourcePolicies.values()]);
    expect(json).not.toMatch(/"(Ref|Fn::\w+)"/);
    const resources = statementsOf(p, 'Sweeper').flatMap((s) => s.Resource ?? []);
    expect(resources).toEqual(
      expect.arrayContaining([
        'arn:aws:dynamodb:eu-west-1:111122223333:table/eip-keeper-test',
        'arn:aws:ssm:eu-west-1:111122223333:parameter/eip-keeper/kill-switch',
        'arn:aws:ec2:eu-west-1:111122223333:elastic-ip/*',
      ]),
    );
  });

  it('reads the topic policy naming the publishing roles, and the key that encrypts the topic', async () => {
    const p = await policiesFor({});
    const topicPolicy = p.resourcePolicies.get(names.topicArn);
    const publishers = topicPolicy?.Statement.find((s) => s.Sid === 'AllowEipKeeperFunctionsToPublish');
    const principals = (publishers?.Principal as { AWS?: string[] } | undefined)?.AWS ?? [];
    expect([...principals].sort()).toEqual(
      ['Auditor', 'KeeperEvents', 'KeeperReconciler', 'Sweeper'].map(
        (f) => `arn:aws:iam::111122223333:role/EipKeeper-${f}Role`,
      ),
    );
    const key = p.topicKeys.get(names.topicArn) as string;
    expect(key).toMatch(/^arn:aws:kms:eu-west-1:111122223333:key\/[0-9a-f-]{36}$/);
    expect(p.resourcePolicies.get(key)?.Statement.map((s) => s.Sid)).toContain(
      'AllowEipKeeperFunctionsToPublishViaSns',
    );
  });

  it('follows the configuration: release on deploys the Allow, exempt keys their Denies', async () => {
    const off = statementsOf(await policiesFor({}), 'Sweeper').map((s) => s.Sid);
    const on = statementsOf(
      await policiesFor({ sweeper: { release: { enabled: true }, exemptTagKeys: ['do-not-release'] } }),
      'Sweeper',
    ).map((s) => s.Sid);
    expect(off).not.toContain('ReleaseUntaggedAddresses');
    expect(on).toEqual(
      expect.arrayContaining(['ReleaseUntaggedAddresses', 'DenyReleasePoolMembers', 'DenyReleaseExempt1']),
    );
  });
});

describe('the keeper roles the recorder is told', () => {
  it('are the roles the stack names in the recorder’s environment, as the keeper functions sign here', async () => {
    // With a pool configured: without one the keeper may associate nothing, and the recorder is told no role.
    const config = { pools: [paymentsPool()] };
    const template = await stackTemplate(parseAppConfig(config, 'test'), names.accountId, names.region);
    const recorder = Object.values(template.resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::Function' &&
        JSON.stringify(r.Properties).includes('EIP_KEEPER_KEEPER_ROLE_ARNS'),
    );
    type Env = {
      Environment: { Variables: Record<string, { 'Fn::Join': [string, { 'Fn::GetAtt': string[] }[]] }> };
    };
    const joined = (recorder?.Properties as Env | undefined)?.Environment.Variables
      .EIP_KEEPER_KEEPER_ROLE_ARNS;
    const roles = (joined?.['Fn::Join'][1] ?? []).map(
      (g) => template.roleFunctions[g['Fn::GetAtt'][0] as string],
    );
    const expected = roles.map(
      (f) => `arn:aws:iam::${names.accountId}:role/${functionRoleName(f as string)}`,
    );

    const region = await SimulatedRegion.start({
      dynamoEndpoint: inject('dynamoEndpoint'),
      config,
      functions: [],
    });
    try {
      expect(roles.sort()).toEqual(['KeeperEvents', 'KeeperReconciler']);
      expect(region.runtimeEnv().keeperRoleArns?.sort()).toEqual(expected.sort());
    } finally {
      await region.stop();
    }
  });
});

describe('a region deploying a function the stack does not deploy', () => {
  it('refuses to start with IAM on: no role of the stack’s is the function’s', async () => {
    const stranger = { ...FUNCTIONS[0], id: 'Stranger' } as (typeof FUNCTIONS)[number];
    await expect(
      SimulatedRegion.start({ dynamoEndpoint: inject('dynamoEndpoint'), functions: [stranger] }),
    ).rejects.toThrow(/Stranger: not in the stack's function catalog.*iam: false/);
  });
});
