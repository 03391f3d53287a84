import { readFile } from 'node:fs/promises';
import { describe, expect, inject, it } from 'vitest';
import { main } from '../../bin/cli';
import { DynamoDbLocalUnavailableError, startDynamoDbLocal } from '../../local/dynamodb';
import { runScenario } from '../../local/scenario/runner';
import { InvalidScenarioError, parseDuration, parseScenario } from '../../local/scenario/schema';
import { captureOutput } from '../support/cli';

const dynamoEndpoint = inject('dynamoEndpoint');

async function demoScenario() {
  return parseScenario(JSON.parse(await readFile('local/scenarios/demo-inventory.json', 'utf8')), 'demo');
}

describe('scenario validation', () => {
  it('names the step with an unknown action and lists the known ones', () => {
    const bad = { name: 'x', steps: [{ advance: '1h' }, { action: 'explode' }] };
    expect(() => parseScenario(bad, 'x.json')).toThrow(
      /step 2: unknown action "explode" \(known: createBranchEni/,
    );
  });

  it('names the step and the field that is wrong', () => {
    const bad = { name: 'x', steps: [{ action: 'associateAddress', address: 'a' }] };
    expect(() => parseScenario(bad, 'x.json')).toThrow(/step 1 \(associateAddress\.eni\)/);
  });

  it('names a nested step inside a repeat', () => {
    const bad = { name: 'x', steps: [{ repeat: 2, steps: [{ note: 'ok' }, { advance: 'soon' }] }] };
    expect(() => parseScenario(bad, 'x.json')).toThrow(
      /step 1 > step 2 \(advance\.advance\): not a duration: soon/,
    );
  });

  it('rejects an unknown top-level key instead of ignoring it', () => {
    expect(() => parseScenario({ name: 'x', stpes: [] }, 'x.json')).toThrow(InvalidScenarioError);
  });

  it('reads short and ISO-8601 durations', () => {
    expect([
      parseDuration('90s'),
      parseDuration('15m'),
      parseDuration('2h'),
      parseDuration('PT1H30M'),
      parseDuration('P1D'),
    ]).toEqual([90_000, 900_000, 7_200_000, 5_400_000, 86_400_000]);
    expect(parseDuration('P')).toBeUndefined();
  });
});

describe('the demo scenario on the simulated region', () => {
  it('routes the simulated CloudTrail events through the deployed pattern to the recorder and ends with the EIP idle since the pod died', async () => {
    const { output, story } = await runScenario(await demoScenario(), { dynamoEndpoint });
    const [eip] = output.dynamodb.eip ?? [];
    expect(eip).toMatchObject({ holder: null, idleSince: '2026-01-05T12:00:00.000Z' });
    expect(eip?.lastHolder).toMatchObject({ ended: { kind: 'eni-deleted' } });
    // 5 events reached the recorder: create, associate, the failed release, and the ENI deletion twice (duplicated).
    expect(output.invocations.InventoryRecorder).toEqual({ ok: 5, error: 0 });
    expect(output.metrics['InventoryEventsSkipped{errorCode=Client.InvalidIPAddress.InUse}']).toBe(1);
    // Every mutating call is the scenario's own (the hourly Sweeper only reads: DescribeAddresses).
    const { DescribeAddresses: _sweeperReads, ...mutations } = output.ec2Calls;
    expect(mutations).toEqual({
      CreateNetworkInterface: 1,
      AssociateAddress: 1,
      ReleaseAddress: 1,
      DeleteNetworkInterface: 1,
    });
    expect(output.dlq).toEqual([]);
    expect(story.some((l) => l.text.includes('AWS answered InvalidIPAddress.InUse'))).toBe(true);
  });

  it('leaves the address allocated and unassociated in EC2 after its ENI is deleted', async () => {
    const { output } = await runScenario(await demoScenario(), { dynamoEndpoint });
    expect(output.addresses).toHaveLength(1);
    expect(output.addresses[0]).not.toHaveProperty('association');
    expect(output.networkInterfaces).toEqual([]);
  });
});

describe('eip-keeper CLI', () => {
  it('exits 1 and names the bad step of an invalid scenario', async () => {
    const { code, err } = await captureOutput(() =>
      main(['simulate', 'test/local/support/fixtures/invalid-scenario.json']),
    );
    expect(code).toBe(1);
    expect(err).toMatch(/step 2/);
  });

  it('exits 2 with the usage line when the scenario file is missing', async () => {
    const { code, err } = await captureOutput(() => main(['simulate']));
    expect(code).toBe(2);
    expect(err).toMatch(/usage: eip-keeper simulate <scenario.json>/);
  });

  it('exits 2 on an unknown command', async () => {
    const { code, err } = await captureOutput(() => main(['frobnicate']));
    expect(code).toBe(2);
    expect(err).toMatch(/unknown command "frobnicate"/);
  });
});

describe('DynamoDB Local launcher', () => {
  it('fails with one line naming the Java package to install when java is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const err = await startDynamoDbLocal().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DynamoDbLocalUnavailableError);
      expect((err as Error).message).toMatch(/apt-get install -y default-jre-headless/);
      expect((err as Error).message.split('\n')).toHaveLength(1);
    } finally {
      process.env.PATH = path;
    }
  });
});
