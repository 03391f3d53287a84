/**
 * What importing findings needs in IAM, deployed only while `securityHub.enabled` (Service Authorization Reference,
 * "Actions, resources, and condition keys for AWS Security Hub": BatchImportFindings is scoped to a `product`,
 * GetFindings to the `hub`). Every function that imports also reads what Security Hub holds, so they share it.
 */
import type { PermissionSpec } from '../app/function-spec';

const enabled = (c: { securityHub: { enabled: boolean } }) => c.securityHub.enabled;

export const SECURITY_HUB_PERMISSIONS: PermissionSpec[] = [
  {
    sid: 'ImportFindings',
    actions: ['securityhub:BatchImportFindings'],
    resources: ['securityhub-product'],
    why: "findings as this account's own product (product/<account>/default): created, updated and archived once fixed",
    when: enabled,
  },
  {
    sid: 'ReadOwnFindings',
    actions: ['securityhub:GetFindings'],
    resources: ['securityhub-hub'],
    why: 'the ACTIVE findings eip-keeper imported earlier, to import only what changed and archive what was fixed',
    when: enabled,
  },
];
