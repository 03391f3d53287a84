/**
 * Trunk interface associations: AssociateTrunkInterface, DisassociateTrunkInterface (mutating: CloudTrail records
 * them) and DescribeTrunkInterfaceAssociations (filtered by branch or trunk ENI, paginated with MaxResults 5–255).
 */
import { notFound } from '../errors';
import { applyFilters, paginate } from '../filters';
import { filters, int, requireStr, str, strList } from '../query';
import { tagSet } from '../render';
import type { TrunkAssociation } from '../state';
import type { XmlElement } from '../xml';
import { type ActionDef, ctNumber } from './common';

/** An association's fields, as CloudTrail's responseElements carry them. */
function associationRecord(a: TrunkAssociation) {
  return {
    associationId: a.associationId,
    branchInterfaceId: a.branchInterfaceId,
    trunkInterfaceId: a.trunkInterfaceId,
    interfaceProtocol: a.interfaceProtocol,
    vlanId: a.vlanId,
    greKey: a.greKey,
  };
}

/** The same, with its tags, as the API's XML response carries them. */
function associationXml(a: TrunkAssociation): XmlElement {
  return { ...associationRecord(a), tagSet: tagSet(a.tags) };
}

export const AssociateTrunkInterface: ActionDef = {
  mutating: true,
  requestParameters: (p) => ({
    branchInterfaceId: str(p, 'BranchInterfaceId'),
    trunkInterfaceId: str(p, 'TrunkInterfaceId'),
    vlanId: ctNumber(p, 'VlanId'),
    greKey: ctNumber(p, 'GreKey'),
    clientToken: str(p, 'ClientToken'),
  }),
  run({ state, params, dryRun }) {
    const a = state.associateTrunkInterface(
      {
        branchInterfaceId: requireStr(params, 'BranchInterfaceId'),
        trunkInterfaceId: requireStr(params, 'TrunkInterfaceId'),
        vlanId: int(params, 'VlanId'),
        greKey: int(params, 'GreKey'),
      },
      { dryRun },
    );
    const clientToken = str(params, 'ClientToken');
    return {
      body: { interfaceAssociation: associationXml(a), clientToken },
      responseElements: { interfaceAssociation: associationRecord(a), clientToken },
    };
  },
};

export const DisassociateTrunkInterface: ActionDef = {
  mutating: true,
  requestParameters: (p) => ({ associationId: str(p, 'AssociationId'), clientToken: str(p, 'ClientToken') }),
  run({ state, params, dryRun }) {
    state.disassociateTrunkInterface(requireStr(params, 'AssociationId'), { dryRun });
    return { body: { return: true }, responseElements: { _return: true } };
  },
};

export const DescribeTrunkInterfaceAssociations: ActionDef = {
  mutating: false,
  run({ state, params }) {
    const ids = strList(params, 'AssociationId');
    for (const id of ids) if (!state.trunkAssociationById.has(id)) throw notFound.association(id);
    const all = [...state.trunkAssociationById.values()]
      .filter((a) => ids.length === 0 || ids.includes(a.associationId))
      .sort((a, b) => (a.associationId < b.associationId ? -1 : 1));
    const matched = applyFilters(
      all,
      filters(params),
      {
        'trunk-interface-association.branch-interface-id': (a) => a.branchInterfaceId,
        'trunk-interface-association.trunk-interface-id': (a) => a.trunkInterfaceId,
        'gre-key': (a) => a.greKey,
        'vlan-id': (a) => a.vlanId,
      },
      (a) => a.tags,
    );
    const { page, nextToken } = paginate(
      matched,
      (a) => a.associationId,
      int(params, 'MaxResults'),
      str(params, 'NextToken'),
      { min: 5, max: 255 },
    );
    return { body: { interfaceAssociationSet: page.map(associationXml), nextToken } };
  },
};
