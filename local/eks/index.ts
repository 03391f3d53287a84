/**
 * The simulated services the node-group auditor reads: EKS (REST-JSON), IAM (Query), a minimal Kubernetes
 * API per cluster, and EventBridge PutEvents for its custom events. `createAuditorServices` builds them over the
 * region's ServiceEnv and EC2 state; the region registers `modules` with its server and calls `stop()` at the end.
 */
import type { EventBridgeEvent, ServiceEnv, ServiceModule } from '../core/types';
import type { Ec2State } from '../ec2';
import { EventsService } from '../events/service';
import { IamService } from '../iam/service';
import { KubernetesApi } from '../k8s/api';
import { EksService } from './service';
import { EksState } from './state';

export interface AuditorServices {
  eks: EksState;
  iam: IamService;
  kubernetes: KubernetesApi;
  events: EventsService;
  modules: ServiceModule[];
  stop(): Promise<void>;
}

export function createAuditorServices(
  env: ServiceEnv,
  ec2: Ec2State,
  deliver: (event: EventBridgeEvent) => void,
): AuditorServices {
  const eks = new EksState(env);
  const kubernetes = new KubernetesApi(env, eks, ec2);
  const eksService = new EksService(eks, { kubernetesEndpoint: (cluster) => kubernetes.endpoint(cluster) });
  const iam = new IamService();
  const events = new EventsService(deliver);
  return {
    eks,
    iam,
    kubernetes,
    events,
    modules: [eksService, iam, events],
    stop: () => kubernetes.stop(),
  };
}

export { EksError, EksState, type SimAddon, type SimCluster, type SimNodegroup } from './state';
