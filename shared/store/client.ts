/** The DynamoDB document client every table adapter uses, built once per handler from the connection. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type AwsConnection, clientOptions } from '../aws/clients';

export function createDocumentClient(conn: AwsConnection): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(clientOptions(conn, 'dynamodb')), {
    // Tag maps carry keys anyone can write: a tag named `constructor` makes the marshaller take the map for a class
    // instance and throw, unless objects it cannot classify are written as maps.
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
}
