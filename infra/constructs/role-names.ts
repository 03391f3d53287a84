/**
 * Function role names for a platform team's prefix: `<prefix><FunctionId>-<region>`. IAM is global, so the region
 * keeps the roles of one account's deployments in different regions apart.
 */
import { Token } from 'aws-cdk-lib';

/** IAM role names are at most 64 characters of letters, digits and +=,.@_- (IAM CreateRole, RoleName). */
const ROLE_NAME_MAX_CHARS = 64;
/** `ap-southeast-4`, `ap-northeast-3`: the longest region names. */
const LONGEST_REGION_CHARS = 14;

/** A role-name prefix that makes a role name IAM refuses. */
export class InvalidRoleNamePrefixError extends Error {
  override readonly name = 'InvalidRoleNamePrefixError';
  constructor(
    readonly prefix: string,
    reason: string,
  ) {
    super(`eip-keeper: roleNamePrefix ${JSON.stringify(prefix)}: ${reason}`);
  }
}

/** The role name of each function for a prefix (undefined: CloudFormation names the roles). */
export function roleNamer(
  prefix: string | undefined,
  region: string,
): (functionId: string) => string | undefined {
  if (prefix === undefined) return () => undefined;
  if (!/^[\w+=,.@-]*$/.test(prefix)) {
    throw new InvalidRoleNamePrefixError(prefix, 'IAM role names hold only letters, digits and +=,.@_-');
  }
  return (functionId) => {
    // An environment-agnostic stack's region resolves at deploy time: count the longest region name for it.
    const regionChars = Token.isUnresolved(region) ? LONGEST_REGION_CHARS : region.length;
    if (prefix.length + functionId.length + 1 + regionChars > ROLE_NAME_MAX_CHARS) {
      throw new InvalidRoleNamePrefixError(
        prefix,
        `${prefix}${functionId}-<region> is longer than IAM's ${ROLE_NAME_MAX_CHARS} characters`,
      );
    }
    return `${prefix}${functionId}-${region}`;
  };
}
