/**
 * Trunk interface associations (AssociateTrunkInterface, DisassociateTrunkInterface,
 * DescribeTrunkInterfaceAssociations in the EC2 API Reference): a branch ENI tied to a trunk ENI with a VLAN id. This
 * is how the VPC resource controller gives a pod its branch ENI behind its node's trunk ENI. The branch keeps its own
 * attributes; deleting either ENI ends the association.
 */
import { Ec2Error, invalidParameterValue } from '../errors';
import { commit, requireEni } from './lookups';
import type { Ec2World, OperationOptions, Tag, TrunkAssociation } from './model';

export interface AssociateTrunkInterfaceInput {
  branchInterfaceId: string;
  trunkInterfaceId: string;
  vlanId?: number;
  greKey?: number;
  tags?: Tag[];
}

/** EC2's VLAN range for a branch behind a trunk. */
const VLAN_MIN = 1;
const VLAN_MAX = 4094;

export function associateTrunkInterface(
  w: Ec2World,
  input: AssociateTrunkInterfaceInput,
  opts?: OperationOptions,
): TrunkAssociation {
  const branch = requireEni(w, input.branchInterfaceId);
  const trunk = requireEni(w, input.trunkInterfaceId);
  if (trunk.interfaceType !== 'trunk') {
    throw invalidParameterValue(`Network interface ${trunk.networkInterfaceId} is not a trunk interface.`);
  }
  if (branch.interfaceType === 'trunk' || branch.attachment) {
    throw invalidParameterValue(
      `Network interface ${branch.networkInterfaceId} cannot be a branch interface: it is ${branch.attachment ? 'attached to an instance' : 'a trunk interface'}.`,
    );
  }
  if (branch.vpcId !== trunk.vpcId) {
    throw invalidParameterValue('The branch and trunk network interfaces must be in the same VPC.');
  }
  if (input.vlanId === undefined && input.greKey === undefined) {
    throw new Ec2Error('MissingParameter', 'Either VlanId or GreKey must be specified.');
  }
  if (input.vlanId !== undefined && (input.vlanId < VLAN_MIN || input.vlanId > VLAN_MAX)) {
    throw invalidParameterValue(`Value (${input.vlanId}) for parameter vlanId is invalid.`);
  }
  for (const a of w.trunkAssociationById.values()) {
    if (a.branchInterfaceId === branch.networkInterfaceId) {
      throw invalidParameterValue(
        `Network interface ${branch.networkInterfaceId} is already associated with ${a.associationId}.`,
      );
    }
    if (
      a.trunkInterfaceId === trunk.networkInterfaceId &&
      input.vlanId !== undefined &&
      a.vlanId === input.vlanId
    ) {
      throw invalidParameterValue(`VLAN ${input.vlanId} is already in use on ${trunk.networkInterfaceId}.`);
    }
  }
  commit(opts);
  const association: TrunkAssociation = {
    associationId: w.env.ids.next('trunk-assoc'),
    branchInterfaceId: branch.networkInterfaceId,
    trunkInterfaceId: trunk.networkInterfaceId,
    interfaceProtocol: input.vlanId !== undefined ? 'VLAN' : 'GRE',
    ...(input.vlanId !== undefined ? { vlanId: input.vlanId } : {}),
    ...(input.greKey !== undefined ? { greKey: input.greKey } : {}),
    tags: (input.tags ?? []).map((t) => ({ ...t })),
  };
  w.trunkAssociationById.set(association.associationId, association);
  return association;
}

export function disassociateTrunkInterface(
  w: Ec2World,
  associationId: string,
  opts?: OperationOptions,
): TrunkAssociation {
  const association = w.trunkAssociationById.get(associationId);
  if (!association) {
    throw new Ec2Error(
      'InvalidAssociationID.NotFound',
      `The association ID '${associationId}' does not exist`,
    );
  }
  commit(opts);
  w.trunkAssociationById.delete(associationId);
  return association;
}

/** An ENI that goes takes its trunk associations with it (as a branch or as the trunk). */
export function dropTrunkAssociations(w: Ec2World, networkInterfaceId: string): void {
  for (const [id, a] of w.trunkAssociationById) {
    if (a.branchInterfaceId === networkInterfaceId || a.trunkInterfaceId === networkInterfaceId)
      w.trunkAssociationById.delete(id);
  }
}
