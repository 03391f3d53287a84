/** SSM for the sweeper: the kill switch, read on every run. */
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { KillSwitchPort } from '../ports';

export class SsmKillSwitch implements KillSwitchPort {
  constructor(private readonly ssm: SSMClient) {}

  async read(name: string): Promise<string | undefined> {
    try {
      const out = await this.ssm.send(new GetParameterCommand({ Name: name }));
      return out.Parameter?.Value;
    } catch (err) {
      if ((err as { name?: string }).name === 'ParameterNotFound') return undefined;
      throw err;
    }
  }
}
