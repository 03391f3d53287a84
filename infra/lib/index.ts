/**
 * The eip-keeper construct library (`import { EipKeeper } from 'eip-keeper'`): docs/construct.md.
 */

export type { FunctionSpec, PermissionSpec } from '../../shared/app/functions';
export {
  type AppConfig,
  type AppConfigInput,
  AppConfigSchema,
  InvalidConfigError,
  parseAppConfig,
} from '../../shared/config/schema';
export { TABLE_KEYS } from '../../shared/store/table';
export type { OperationalAlarms } from '../constructs/alarms';
export { IncompatibleTableError, tableSchemaProblems } from '../constructs/core-resources';
export {
  ConfigTooLargeError,
  EipKeeper,
  type EipKeeperProps,
  INLINE_CONFIG_MAX_CHARS,
} from '../constructs/eip-keeper';
export type { EventFunction } from '../constructs/event-function';
export type { FinanceDashboard } from '../constructs/finance-dashboard';
export { EipKeeperHub, type EipKeeperHubProps, InvalidOrganizationIdError } from '../constructs/hub';
export type { HubForwarding } from '../constructs/hub-forwarding';
export { InvalidRoleNamePrefixError } from '../constructs/role-names';
export type { SecurityDashboard } from '../constructs/security-dashboard';
export { MissingFunctionBundleError } from './function-code';
