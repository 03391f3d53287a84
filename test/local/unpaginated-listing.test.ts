import { readFile } from 'node:fs/promises';
import { describe, expect, inject, it } from 'vitest';
import { runScenario } from '../../local/scenario/runner';
import { parseScenario } from '../../local/scenario/schema';

/**
 * In an account with many ENIs, DescribeNetworkInterfaces fails unless paginated or filtered by an indexed filter. The
 * keeper's demo runs here as if every account were that large: every function must still work.
 */
describe('eip-keeper in an account too large to list ENIs unpaginated', () => {
  it.each(['local/scenarios/demo-keeper.json'])(
    '%s runs with no DescribeNetworkInterfaces refused and nothing in the DLQ',
    async (path) => {
      const raw = JSON.parse(await readFile(path, 'utf8'));
      const scenario = parseScenario({ ...raw, state: { ...raw.state, unpaginatedEniLimit: 0 } }, path);

      const { output } = await runScenario(scenario, { dynamoEndpoint: inject('dynamoEndpoint') });

      expect(output.ec2Calls.DescribeNetworkInterfaces).toBeGreaterThan(0);
      expect(output.dlq).toEqual([]);
      expect(output.warnings.filter((w) => /UnsupportedOperation/.test(w.message))).toEqual([]);
      expect(Object.values(output.invocations).every((c) => c.error === 0)).toBe(true);
    },
  );
});
