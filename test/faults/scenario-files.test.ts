/**
 * The bundled fault scenarios (local/scenarios/faults/*.json) run as `eip-keeper simulate` runs them, and end as
 * their descriptions say: every pod with a pool EIP, none on two pods, no pool EIP released, every failure visible.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { runScenario } from '../../local/scenario/runner';
import { parseScenario } from '../../local/scenario/schema';
import type { ScenarioOutput } from '../../local/scenario/story';

const DIR = 'local/scenarios/faults';

interface AddressView {
  allocationId: string;
  association?: { networkInterfaceId: string };
  tags: { key: string; value: string }[];
}

/** Pool EIPs by the pod ENI they are on, and the pod ENIs that exist, from the output. */
function served(output: ScenarioOutput) {
  const pool = (output.addresses as AddressView[]).filter((a) =>
    a.tags.some((t) => t.key === 'eip-keeper:pool'),
  );
  const byEni = new Map<string, string[]>();
  for (const a of pool) {
    const eni = a.association?.networkInterfaceId;
    if (eni) byEni.set(eni, [...(byEni.get(eni) ?? []), a.allocationId]);
  }
  const live = new Set(
    (output.networkInterfaces as { networkInterfaceId: string }[]).map((e) => e.networkInterfaceId),
  );
  const pods = Object.entries(output.labels)
    .filter(([label, id]) => label.startsWith('pod-') && live.has(id))
    .map(([, id]) => id);
  return { pool, byEni, pods };
}

function errorsMetric(output: ScenarioOutput): number {
  return Object.entries(output.metrics)
    .filter(([k]) => k.startsWith('Errors{FunctionName='))
    .reduce((s, [, v]) => s + v, 0);
}

describe.each(readdirSync(DIR).filter((f) => f.endsWith('.json')))('%s', (file) => {
  it('ends with every pod holding one pool EIP, the pool intact and every failure visible', async () => {
    const scenario = parseScenario(JSON.parse(readFileSync(`${DIR}/${file}`, 'utf8')), file);
    const { output, story } = await runScenario(scenario, { dynamoEndpoint: inject('dynamoEndpoint') });

    const { pool, byEni, pods } = served(output);
    expect(pool).toHaveLength(scenario.state.addresses.length);
    expect(pods.length).toBeGreaterThan(0);
    for (const pod of pods) expect(byEni.get(pod)).toHaveLength(1);
    expect([...byEni.keys()].every((eni) => pods.includes(eni))).toBe(true);
    const failed = Object.values(output.invocations).reduce((s, c) => s + c.error, 0);
    expect(failed).toBeGreaterThan(0);
    expect(errorsMetric(output)).toBe(failed);
    expect(story.filter((l) => l.kind === 'handler-error')).toHaveLength(failed);
  });
});
