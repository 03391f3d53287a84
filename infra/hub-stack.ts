/** The organization hub as this repository deploys it: a Stack holding the EipKeeperHub construct (docs/hub.md). */
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { EipKeeperHub, type EipKeeperHubProps } from './constructs/hub';

export interface EipKeeperHubStackProps extends Omit<StackProps, 'permissionsBoundary'>, EipKeeperHubProps {}

export class EipKeeperHubStack extends Stack {
  readonly hub: EipKeeperHub;

  constructor(scope: Construct, id: string, props: EipKeeperHubStackProps) {
    const { permissionsBoundary: _boundary, ...stackProps } = props;
    super(scope, id, stackProps);
    this.hub = new EipKeeperHub(this, 'Hub', props);
  }
}
