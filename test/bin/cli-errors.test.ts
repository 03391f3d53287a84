import { describe, expect, it } from 'vitest';
import { awsSetupProblem, main } from '../../bin/cli';

describe('CLI errors that mean "no AWS account to talk to"', () => {
  it('names what to set for a missing region, missing credentials and an unreachable endpoint', () => {
    expect(awsSetupProblem(new Error('Region is missing'))).toMatch(/AWS_REGION/);
    const creds = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    expect(awsSetupProblem(creds)).toMatch(/AWS_PROFILE/);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(awsSetupProblem(refused)).toMatch(/ECONNREFUSED.*AWS_ENDPOINT_URL_/);
  });

  it('leaves every other error to the unexpected-error path', () => {
    expect(awsSetupProblem(new Error('boom'))).toBeUndefined();
    expect(awsSetupProblem(undefined)).toBeUndefined();
  });

  it('exits 2 with the usage for an unknown command', async () => {
    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => written.push(chunk) > 0) as typeof process.stderr.write;
    try {
      expect(await main(['no-such-command'])).toBe(2);
    } finally {
      process.stderr.write = original;
    }
    expect(written.join('')).toMatch(/unknown command "no-such-command"[\s\S]*usage: eip-keeper/);
  });
});
