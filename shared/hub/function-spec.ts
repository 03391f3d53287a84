/**
 * The organization hub's one function: it ingests the eip-keeper events members put on the hub's bus. Not in the
 * member catalog (shared/app/functions.ts): only the hub deploys it (infra/constructs/hub.ts).
 */
import { type FunctionSpec, tableAccess } from '../app/function-spec';
import { PREFIX } from '../store/keys';
import { EVENT_SOURCE } from './model';

export const hubIngest: FunctionSpec = {
  id: 'HubIngest',
  entry: 'functions/hub-ingest.ts',
  description:
    "Keeps members' alerts, findings and cost-ledger changes by account and region; tells the hub's topic",
  rules: [{ id: 'MemberEvents', pattern: { source: [EVENT_SOURCE] } }],
  timeoutSeconds: 30,
  memoryMb: 256,
  permissions: [
    tableAccess(['PutItem'], false, 'one record per member event, kept unless a newer one is'),
    {
      sid: 'PublishHubAlerts',
      actions: ['sns:Publish'],
      resources: ['topic'],
      why: "members' alerts, naming their account and region",
    },
  ],
  ownKeyPrefixes: [PREFIX.hub],
  load: () => import('../../functions/hub-ingest'),
};
