/**
 * The sweeper's part of the configuration contract: with release on, grace and notice periods of at least a day
 * unless the operator says otherwise in so many words — refused at synth (cdk context) and at cold start (the
 * environment), by the same schema.
 */
import { describe, expect, it } from 'vitest';
import { configFromContext } from '../../infra/context';
import { parseConfigJson } from '../../shared/config/deployment';
import { InvalidConfigError, parseAppConfig } from '../../shared/config/schema';

const noFiles = (path: string): string => {
  throw new Error(`ENOENT: ${path}`);
};

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('release periods', () => {
  it('refuses a grace period under 24 h with release on, naming the key', () => {
    const problems = problemsOf(() =>
      parseAppConfig({ sweeper: { graceHours: 1, release: { enabled: true } } }, 'test'),
    );

    expect(problems).toEqual([
      'sweeper.graceHours: must be at least 24 while release.enabled is true (or set release.allowShortPeriods)',
    ]);
  });

  it('refuses a notice period under 24 h with release on, naming the key', () => {
    const problems = problemsOf(() =>
      parseAppConfig({ sweeper: { release: { enabled: true, noticeHours: 0 } } }, 'test'),
    );

    expect(problems).toEqual([
      'sweeper.release.noticeHours: must be at least 24 while release.enabled is true (or set release.allowShortPeriods)',
    ]);
  });

  it('accepts short periods with release on only when allowShortPeriods says so', () => {
    const config = parseAppConfig(
      { sweeper: { graceHours: 1, release: { enabled: true, noticeHours: 0, allowShortPeriods: true } } },
      'test',
    );

    expect(config.sweeper.graceHours).toBe(1);
    expect(config.sweeper.release.noticeHours).toBe(0);
  });

  it('accepts short periods while release is off: nothing is released', () => {
    const config = parseAppConfig({ sweeper: { graceHours: 1, release: { noticeHours: 0 } } }, 'test');

    expect(config.sweeper.release.enabled).toBe(false);
  });

  it('fails cdk synth on a short period (-c flags)', () => {
    const problems = problemsOf(() =>
      configFromContext({ 'sweeper.release.enabled': 'true', 'sweeper.graceHours': '2' }, noFiles),
    );

    expect(problems).toEqual([expect.stringMatching(/^sweeper\.graceHours: must be at least 24/)]);
  });

  it('fails a cold start on a short period (the configuration a function reads)', () => {
    const problems = problemsOf(() =>
      parseConfigJson('{"sweeper":{"release":{"enabled":true,"noticeHours":1}}}', 'EIP_KEEPER_CONFIG'),
    );

    expect(problems).toEqual([expect.stringMatching(/^sweeper\.release\.noticeHours: must be at least 24/)]);
  });
});

describe('approved former pool members', () => {
  it('takes an allocation id with its public IP, and refuses anything else', () => {
    const ok = parseAppConfig(
      {
        sweeper: {
          release: {
            approvedFormerPoolMembers: [
              { allocationId: 'eipalloc-0123456789abcdef0', publicIp: '3.248.0.9' },
            ],
          },
        },
      },
      'test',
    );
    const bad = problemsOf(() =>
      parseAppConfig(
        {
          sweeper: { release: { approvedFormerPoolMembers: [{ allocationId: '3.248.0.9', publicIp: 'x' }] } },
        },
        'test',
      ),
    );

    expect(ok.sweeper.release.approvedFormerPoolMembers).toHaveLength(1);
    expect(bad).toHaveLength(2);
    expect(bad[0]).toMatch(/^sweeper\.release\.approvedFormerPoolMembers\[0\]\.allocationId:/);
  });
});

describe('alert volume', () => {
  it('sends at most 10 orphan alerts one by one per sweep unless told otherwise', () => {
    expect(parseAppConfig({}, 'test').sweeper.maxOrphanAlertsPerRun).toBe(10);
    expect(problemsOf(() => parseAppConfig({ sweeper: { maxOrphanAlertsPerRun: 0 } }, 'test'))).toHaveLength(
      1,
    );
  });
});
