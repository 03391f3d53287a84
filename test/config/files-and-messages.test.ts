/** Reading configuration text (YAML, JSON, the published deployment) and saying what is wrong with it. */
import { describe, expect, it } from 'vitest';
import {
  DEPLOYMENT_FORMAT,
  deploymentDocument,
  deploymentParameterName,
  parseDeploymentDocument,
} from '../../shared/config/deployment';
import { closestName, didYouMean, editDistance } from '../../shared/config/did-you-mean';
import { loadAppConfig } from '../../shared/config/environment';
import { parseConfigFile } from '../../shared/config/file';
import { JsonSyntaxError, parseJsonText } from '../../shared/config/json-position';
import {
  DEFAULT_CONFIG,
  InvalidConfigError,
  parseAppConfig,
  SECTION_SCHEMAS,
} from '../../shared/config/schema';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected InvalidConfigError');
}

describe('did you mean', () => {
  it('counts edits, a swap of neighbours as one', () => {
    expect(editDistance('sweeper', 'sweeper')).toBe(0);
    expect(editDistance('sweepr', 'sweeper')).toBe(1);
    expect(editDistance('sweeepr', 'sweeper')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('finds the name in another case, or one a few edits away, and nothing far away', () => {
    expect(closestName('GRACEHOURS', ['graceHours', 'scheduleMinutes'])).toBe('graceHours');
    expect(closestName('maxPerRnu', ['enabled', 'maxPerRun', 'noticeHours'])).toBe('maxPerRun');
    expect(closestName('pool', ['pools', 'audit'])).toBe('pools');
    expect(closestName('xyz', ['pools', 'audit'])).toBeUndefined();
    expect(didYouMean('aduit', ['pools', 'audit'])).toBe(' (did you mean "audit"?)');
    expect(didYouMean('zzz', ['pools'])).toBe('');
  });
});

describe('configuration problems', () => {
  it('names each unknown key with the key it most likely meant, at any depth', () => {
    const problems = problemsOf(() =>
      parseAppConfig(
        {
          sweepr: {},
          sweeper: { gracehours: 3, release: { enable: true } },
          pools: [
            { name: 'a', selector: { subnetIds: ['subnet-01234567'] }, tagholder: true, colour: 'red' },
          ],
        },
        'test',
      ),
    );

    expect(problems).toEqual(
      expect.arrayContaining([
        'sweepr: unknown key (did you mean "sweeper"?)',
        'sweeper.gracehours: unknown key (did you mean "graceHours"?)',
        'sweeper.release.enable: unknown key (did you mean "enabled"?)',
        'pools[0].tagholder: unknown key (did you mean "tagHolder"?)',
        'pools[0].colour: unknown key',
      ]),
    );
  });
});

describe('sections left unset', () => {
  it('get exactly what their schema gives for an empty section, key order included', () => {
    for (const [name, build] of Object.entries(SECTION_SCHEMAS)) {
      const unset = DEFAULT_CONFIG[name as keyof typeof SECTION_SCHEMAS];
      expect(JSON.stringify(unset), name).toBe(JSON.stringify(build().parse({})));
    }
  });

  it('are fresh objects each time, so one parsed configuration never shares a default with another', () => {
    const a = parseAppConfig({}, 'a');
    const b = parseAppConfig({}, 'b');
    a.sweeper.exemptTagKeys.push('changed');
    expect(b.sweeper.exemptTagKeys).toEqual([]);
  });
});

describe('JSON with line and column', () => {
  it.each([
    ['{"a":1,}', 1, 8, 'expected double-quoted property name'],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, "expected ',' or '}' after property value"],
    ['{"a": tru}', 1, 7, "unexpected token '}'"],
    ['{"a": "x', 1, 9, 'unterminated string'],
    ['{"a":1}}', 1, 8, 'unexpected non-whitespace character after the value'],
    ['', 1, 1, 'unexpected end of JSON input'],
    [`{ "name": "bad",\n  "steps": [ { "note": "x" }, ]\n}`, 2, 31, "unexpected token ']'"],
  ])('places the error in %j at line %i, column %i', (text, line, column, reason) => {
    let err: unknown;
    try {
      parseJsonText(text);
    } catch (e) {
      err = e;
    }

    expect(err).toBeInstanceOf(JsonSyntaxError);
    expect(err).toMatchObject({ line, column, reason });
  });

  it('parses valid JSON as JSON.parse does', () => {
    expect(parseJsonText('{"a":[1,2.5e3,"x\\"y",true,null]}')).toEqual({ a: [1, 2500, 'x"y', true, null] });
  });
});

describe('configuration files', () => {
  it('reads YAML and validates it', () => {
    const config = parseConfigFile('sweeper:\n  graceHours: 48 # two days\n', 'eip-keeper.yaml');

    expect(config.sweeper.graceHours).toBe(48);
  });

  it('refuses a file that is not a mapping', () => {
    expect(problemsOf(() => parseConfigFile('- a\n- b\n', 'eip-keeper.yaml'))).toEqual([
      '(root): must be a mapping of configuration keys (pools, sweeper, …)',
    ]);
  });

  it('names the line and column of a YAML error', () => {
    expect(problemsOf(() => parseConfigFile('sweeper:\n\tgraceHours: 1\n', 'c.yaml'))).toEqual([
      expect.stringMatching(/^not valid YAML: line 2, column 1: tabs are not allowed as indentation/),
    ]);
  });

  it('names the line and column of a JSON error in a .json file', () => {
    expect(problemsOf(() => parseConfigFile('{\n  "pools": [,]\n}', 'c.json'))).toEqual([
      expect.stringMatching(/^not valid JSON: line 2, column 13: /),
    ]);
  });
});

describe('the published deployment', () => {
  const info = {
    stack: 'EipKeeper',
    account: '111122223333',
    region: 'eu-west-1',
    tableName: 'EipKeeper-Table',
    alertTopicArn: 'arn:aws:sns:eu-west-1:111122223333:alerts',
  };

  it('is named after the stack', () => {
    expect(deploymentParameterName('EipKeeper')).toBe('/eip-keeper/EipKeeper/config');
  });

  it('round-trips the deployment and its configuration', () => {
    const config = parseAppConfig({ sweeper: { graceHours: 48 } }, 'test');
    const text = JSON.stringify(deploymentDocument(info, config));

    const read = parseDeploymentDocument(text, 'SSM parameter /eip-keeper/EipKeeper/config');

    expect(read.deployment).toEqual(info);
    expect(read.config).toEqual(config);
    expect(JSON.parse(text).format).toBe(DEPLOYMENT_FORMAT);
  });

  it('reads a bare configuration too, without a deployment', () => {
    expect(parseDeploymentDocument('{}', 'x')).toEqual({ config: DEFAULT_CONFIG });
  });

  it('names what a published document lacks', () => {
    const text = JSON.stringify({ format: DEPLOYMENT_FORMAT, stack: 'EipKeeper', config: {} });

    expect(problemsOf(() => parseDeploymentDocument(text, 'x'))).toEqual([
      'account: missing from the published deployment',
      'region: missing from the published deployment',
      'tableName: missing from the published deployment',
      'alertTopicArn: missing from the published deployment',
    ]);
  });

  it('gives a function the configuration of the published document it reads from SSM', async () => {
    const config = parseAppConfig({ history: { retentionDays: 90 } }, 'test');
    const text = JSON.stringify(deploymentDocument(info, config));

    const loaded = await loadAppConfig({ configParameter: '/eip-keeper/EipKeeper/config' }, async () => text);

    expect(loaded.history.retentionDays).toBe(90);
  });
});
