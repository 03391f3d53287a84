/**
 * Scenario actors with a policy: a scenario file gives an IAM user its policy, and every call of that actor is
 * evaluated against it; the functions always carry their roles' policies, which a scenario cannot replace.
 */
import { describe, expect, inject, it } from 'vitest';
import { runScenario } from '../../local/scenario/runner';
import { InvalidScenarioError, parseScenario } from '../../local/scenario/schema';

const readOnly = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['ec2:Describe*', 'ec2:CreateTags'], Resource: '*' }],
};

describe('scenario actors', () => {
  it('refuses what an actor’s policy does not allow, tells it in the story, and lets admin do it', async () => {
    const scenario = parseScenario(
      {
        name: 'actors',
        actors: { carol: { policy: readOnly } },
        state: {
          addresses: [
            { as: 'spare', tags: { Name: 'spare' } },
            { as: 'other', tags: { Name: 'other' } },
          ],
        },
        steps: [
          { action: 'tagResource', resource: 'spare', tags: { team: 'payments' }, actor: 'carol' },
          { action: 'releaseAddress', address: 'spare', actor: 'carol' },
          { action: 'releaseAddress', address: 'other' },
        ],
      },
      'actors',
    );
    const { story, output } = await runScenario(scenario, {
      dynamoEndpoint: inject('dynamoEndpoint'),
      functions: [],
    });
    const lines = story.map((l) => l.text).join('\n');

    expect(lines).toMatch(/carol .*UnauthorizedOperation/);
    expect(output.addresses.map((a) => (a as { tags: { key: string; value: string }[] }).tags)).toEqual([
      expect.arrayContaining([{ key: 'team', value: 'payments' }]),
    ]);
  });

  it('cannot give eip-keeper’s functions a policy: theirs is the stack’s', () => {
    const bad = { name: 'x', actors: { 'eip-keeper': { policy: readOnly } } };
    expect(() => parseScenario(bad, 'x.json')).toThrow(InvalidScenarioError);
  });

  it('rejects a policy statement without an action', () => {
    const bad = {
      name: 'x',
      actors: {
        dave: { policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Resource: '*' }] } },
      },
    };
    expect(() => parseScenario(bad, 'x.json')).toThrow(
      /actors\.dave\.policy\.Statement\[0\]: one of Action or NotAction/,
    );
  });
});
