import { readFile } from 'node:fs/promises';
import { describe, expect, inject, it } from 'vitest';
import { runScenario } from '../../local/scenario/runner';
import { parseScenario } from '../../local/scenario/schema';
import { auditor } from '../../shared/app/functions';

const dynamoEndpoint = inject('dynamoEndpoint');

async function scenario(path: string) {
  return parseScenario(JSON.parse(await readFile(path, 'utf8')), path);
}

describe('the auditor’s full results in a scenario’s output', () => {
  it('lists every check per cluster, node group and pool, passes and not-applicable included', async () => {
    const { output } = await runScenario(await scenario('test/auditor/scenarios/audit-demo.json'), {
      dynamoEndpoint,
      functions: [auditor],
    });

    expect(output.audit.errors).toEqual([]);
    const [prod] = output.audit.clusters;
    expect(prod?.cluster).toBe('prod');
    expect(prod?.nodegroups).toEqual(['burst', 'general']);
    const statuses = new Set(prod?.results.map((r) => r.status));
    expect(statuses).toEqual(new Set(['pass', 'fail', 'not-applicable']));
    const scopes = (prod?.results ?? []).map((r) => r.nodegroup ?? (r.pool ? `pool ${r.pool}` : 'cluster'));
    expect(new Set(scopes)).toEqual(new Set(['cluster', 'general', 'burst', 'pool partner-api']));
    expect(prod?.results.find((r) => r.id === 'sgp-instance-type' && r.nodegroup === 'burst')?.status).toBe(
      'fail',
    );
    const counted = Object.values(prod?.counts ?? {}).reduce((a, b) => a + b, 0);
    expect(counted).toBe(prod?.results.length);
  });

  it('is empty for a scenario without EKS clusters', async () => {
    const { output } = await runScenario(await scenario('local/scenarios/demo-inventory.json'), {
      dynamoEndpoint,
      functions: [],
    });

    expect(output.audit).toEqual({ clusters: [], errors: [] });
  });
});
