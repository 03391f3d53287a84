/** One error path: the same problem gets the same one-line message and exit code in every command. */
import { describe, expect, it } from 'vitest';
import { main } from '../../bin/cli';
import { awsSetupProblem, EXIT, failureOf } from '../../bin/errors';
import { InvalidConfigError } from '../../shared/config/schema';
import { captureOutput } from '../support/cli';

const named = (name: string, message: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { name, ...extra });

describe('CLI errors that mean "no AWS account to talk to as asked"', () => {
  it('names what to set for a missing region, missing credentials and an unreachable endpoint', () => {
    expect(awsSetupProblem(new Error('Region is missing'))).toMatch(/AWS_REGION/);
    expect(
      awsSetupProblem(named('CredentialsProviderError', 'Could not load credentials from any providers')),
    ).toMatch(/AWS_PROFILE/);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(awsSetupProblem(refused)).toMatch(/ECONNREFUSED.*AWS_ENDPOINT_URL_/);
  });

  it('names the table that does not exist, and the region', () => {
    expect(
      awsSetupProblem(named('ResourceNotFoundException', 'Requested resource not found'), {
        region: 'eu-west-1',
        table: 'EipKeeper-Table',
      }),
    ).toBe(
      'table EipKeeper-Table does not exist in eu-west-1: check --table, EIP_KEEPER_TABLE or the stack output TableName, and the region',
    );
  });

  it('tells refused credentials from denied access', () => {
    expect(awsSetupProblem(named('UnrecognizedClientException', 'The security token is invalid'))).toMatch(
      /^AWS refused the credentials/,
    );
    expect(
      awsSetupProblem(named('AccessDeniedException', 'not authorized to perform ssm:GetParameter')),
    ).toBe('access denied (AccessDeniedException): not authorized to perform ssm:GetParameter');
  });

  it('leaves every other error to the unexpected-error path', () => {
    expect(awsSetupProblem(new Error('boom'))).toBeUndefined();
    expect(awsSetupProblem(undefined)).toBeUndefined();
    expect(failureOf(new Error('boom'))).toMatchObject({
      code: EXIT.failed,
      message: /^unexpected error: Error: boom/,
    });
  });

  it('gives every kind of problem its own exit code', () => {
    expect(failureOf(new Error('Region is missing')).code).toBe(EXIT.aws);
    expect(failureOf(new InvalidConfigError('eip-keeper.yaml', ['x: bad'])).code).toBe(EXIT.config);
    expect(failureOf(named('SweepIncompleteError', 'sweep r left 1 address unfinished')).code).toBe(
      EXIT.failed,
    );
    expect(new Set(Object.values(EXIT)).size).toBe(Object.values(EXIT).length);
  });
});

describe('the same problem in every command', () => {
  it.each(['pools', 'sweep --dry-run', 'report', 'audit'])(
    '%s without a reachable endpoint exits 5 with one line naming it',
    async (command) => {
      const saved = { ...process.env };
      Object.assign(process.env, {
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'x',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        AWS_MAX_ATTEMPTS: '1',
        EIP_KEEPER_TABLE: 'EipKeeper-Table',
      });
      delete process.env.AWS_PROFILE;
      try {
        const { code, out, err } = await captureOutput(() => main(command.split(' ')));

        expect(code, err).toBe(EXIT.aws);
        expect(out).toBe('');
        expect(err.trim().split('\n').at(-1)).toMatch(
          new RegExp(
            `^eip-keeper ${command.split(' ')[0]}: cannot reach the AWS endpoint \\(ECONNREFUSED\\)`,
          ),
        );
      } finally {
        process.env = saved;
      }
    },
  );

  it('exits 2 with the usage for an unknown command, and suggests the one meant', async () => {
    const { code, err } = await captureOutput(() => main(['sweeep']));

    expect(code).toBe(EXIT.usage);
    expect(err).toMatch(
      /^eip-keeper: unknown command "sweeep" \(did you mean "sweep"\?\)\n\nusage: eip-keeper/,
    );
  });
});
