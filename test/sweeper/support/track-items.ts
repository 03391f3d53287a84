/** Track items written by hand, as an earlier version (or someone editing the table) would write them. */
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { encodeTrack } from '../../../shared/sweeper/dynamo-sweep-store/track-codec';
import { trackKey, trackKind, trackShard } from '../../../shared/sweeper/keys';
import type { AddressTrack } from '../../../shared/sweeper/model';

/**
 * Puts `track` at `version` in its shard, its state one attribute, unconditionally: with the bare allocation id as
 * its sort key (no stamp) and no writer, which is how a version before stamps, or a hand edit, leaves it.
 */
export async function putUnstampedTrack(
  doc: DynamoDBDocumentClient,
  tableName: string,
  track: AddressTrack,
  version: number,
): Promise<void> {
  await doc.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...trackKey(track.allocationId),
        GSI1PK: trackKind(trackShard(track.allocationId)),
        GSI1SK: track.allocationId,
        itemType: 'SweepTrack',
        allocationId: track.allocationId,
        state: encodeTrack(track),
        version,
      },
    }),
  );
}
