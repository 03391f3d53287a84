/** `eip-keeper pools` against a simulated region (through AWS_ENDPOINT_URL_*), and the bundled keeper demo. */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { poolsCommand } from '../../bin/commands/pools';
import { credentialsFor } from '../../local/core/identities';
import { runScenario } from '../../local/scenario/runner';
import { parseScenario } from '../../local/scenario/schema';
import { inventoryRecorder, keeperEvents, keeperReconciler } from '../../shared/app/functions';
import { captureOutput } from '../support/cli';
import { KeeperRegion } from './support/region';

const run = (args: string[]) => captureOutput(() => poolsCommand.run(args));

describe('eip-keeper pools', () => {
  let k: KeeperRegion;
  let pods: string[];
  const saved = { ...process.env };

  beforeAll(async () => {
    k = await KeeperRegion.start({ eips: 3, strangers: 1 });
    pods = await k.createPods(4);
    await k.region.advance(41 * 60_000);
    await k.deletePods([pods[0] as string]);
    const creds = credentialsFor('admin');
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_EC2: k.region.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: k.region.dynamoEndpoint,
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    });
    delete process.env.AWS_PROFILE;
  });

  afterAll(async () => {
    process.env = saved;
    await k.stop();
  });

  it('lists each pool EIP with its holder ENI, private IP and since when, as JSON', async () => {
    const { code, out } = await run(['--json', '--table', k.region.tableName]);

    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.region).toBe('eu-west-1');
    expect(report.pools).toHaveLength(1);
    const [pool] = report.pools;
    expect(pool.pool).toBe('payments');
    expect(pool.eips).toHaveLength(3);
    const held = pool.eips.filter((e: { state: string }) => e.state === 'held');
    expect(held).toHaveLength(3);
    for (const e of held) {
      expect(pods).toContain(e.holder.eniId);
      expect(e.holder.privateIp).toMatch(/^10\.0\.1\./);
    }
    expect(pool.waiting).toEqual([]);
  });

  it('prints a table a person reads, with idle-since from the table', async () => {
    await k.deletePods([pods[1] as string]);
    const { code, out } = await run(['--table', k.region.tableName]);

    expect(code).toBe(0);
    expect(out).toMatch(
      /^pool payments \(3 EIPs: 2 held, 1 free, 0 held outside eip-keeper, 0 ENIs waiting\)/,
    );
    expect(out).toContain('idle since 2026-01-05T09:41:00.000Z');
    expect(out).toMatch(/held by eni-\w+ \(10\.0\.1\.\d+\) since 2026-01-05T09:/);
  });

  it('shows what EC2 knows without the table and says how to get the rest', async () => {
    const { code, out } = await run([]);

    expect(code).toBe(0);
    expect(out).toContain('pool payments (3 EIPs: 2 associated, 1 unassociated)');
    expect(out).toContain('pass --table <name> or set EIP_KEEPER_TABLE');
  });

  it('prints the tagged addresses of each pool as the members list its configuration must approve', async () => {
    const { code, out } = await run(['--members', '--json']);

    expect(code).toBe(0);
    const byIp = [...k.pool].sort((a, b) =>
      (k.publicIpOf(a) as string) < (k.publicIpOf(b) as string) ? -1 : 1,
    );
    expect(JSON.parse(out)).toEqual({ payments: byIp });
    const text = await run(['--members']);
    expect(text.out).toContain(`  payments: "members": ${JSON.stringify(byIp)}`);
  });

  it('rejects an unknown flag as a usage error', async () => {
    await expect(run(['--frobnicate'])).rejects.toThrow(/unknown option --frobnicate/);
  });
});

describe('the keeper demo scenario', () => {
  it('tells the story: scale out, one pod dies, its replacement egresses from the same EIP, the extra pod waits once, a lost event is repaired', async () => {
    const scenario = parseScenario(
      JSON.parse(await readFile('local/scenarios/demo-keeper.json', 'utf8')),
      'demo',
    );
    const { output, story } = await runScenario(scenario, {
      dynamoEndpoint: inject('dynamoEndpoint'),
      functions: [inventoryRecorder, keeperEvents, keeperReconciler],
    });
    const on = (label: string) =>
      (output.addresses as { allocationId: string; association?: { networkInterfaceId: string } }[]).find(
        (a) => a.association?.networkInterfaceId === output.labels[label],
      )?.allocationId;
    const pod2Eip = story
      .find((l) => l.text.includes(`freed`) && l.text.includes(output.labels['pod-2'] as string))
      ?.text.match(/freed (\S+)/)?.[1];

    expect(story.find((l) => l.text.includes(`to ${output.labels['pod-4']}`))?.text).toContain(
      `gave ${pod2Eip} `,
    );
    expect(on('pod-4')).toBeDefined();
    expect(on('pod-5')).toBeDefined();
    expect(on('web-1')).toBeUndefined();
    expect(on('pod-3')).toBeUndefined();
    expect(on('pod-6')).toBeDefined();
    expect(story.some((l) => l.text.includes('its ENI was deleted and the event never came'))).toBe(true);
    expect(output.metrics['ReconcileRepairs{Pool=payments}']).toBe(1);
    expect(output.sns.map((m) => m.subject)).toEqual([
      '[eip-keeper] pool payments exhausted: 1 ENI waiting for an Elastic IP',
    ]);
    expect(output.ec2Calls.AllocateAddress).toBeUndefined();
    expect(output.dlq).toEqual([]);
  });
});
