/**
 * What every step runs with: the region, the `as` labels, the story, and SDK clients per actor (each signs as its
 * actor, so CloudTrail records who did what, and backs off on the region's virtual clock).
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { clientOptions } from '../../../shared/aws/clients';
import { SimulatedPods } from '../../eks/controller';
import type { SimulatedRegion } from '../../region';
import type { StoryRecorder } from '../story';

/** Raised when a step cannot be carried out (not when an AWS call in it fails: that is part of the story). */
export class ScenarioStepError extends Error {
  override readonly name = 'ScenarioStepError';
}

export class StepContext {
  private readonly ec2Clients = new Map<string, EC2Client>();
  private readonly ssmClients = new Map<string, SSMClient>();
  private simulatedPods: SimulatedPods | undefined;

  constructor(
    readonly region: SimulatedRegion,
    readonly labels: Map<string, string>,
    readonly story: StoryRecorder,
  ) {}

  /** A label's id, or the reference itself (an id). */
  resolve(ref: string): string {
    return this.labels.get(ref) ?? ref;
  }

  /** `id (label)` when the reference was a label, else the id. */
  named(ref: string): string {
    const id = this.resolve(ref);
    return id === ref ? id : `${id} (${ref})`;
  }

  ec2As(actor: string): EC2Client {
    let c = this.ec2Clients.get(actor);
    if (!c) {
      c = new EC2Client({ ...clientOptions(this.region.connection(actor), 'ec2'), maxAttempts: 10 });
      this.ec2Clients.set(actor, c);
    }
    return c;
  }

  ssmAs(actor: string): SSMClient {
    let c = this.ssmClients.get(actor);
    if (!c) {
      c = new SSMClient(clientOptions(this.region.connection(actor), 'ssm'));
      this.ssmClients.set(actor, c);
    }
    return c;
  }

  /** The simulated EKS pod lifecycle (the VPC resource controller of the scenario's clusters). */
  get pods(): SimulatedPods {
    this.simulatedPods ??= new SimulatedPods(this.region);
    return this.simulatedPods;
  }

  destroy(): void {
    for (const c of [...this.ec2Clients.values(), ...this.ssmClients.values()]) c.destroy();
    this.simulatedPods?.close();
  }
}
