/** The DynamoDB document client every table adapter uses, built once per handler from the connection. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type AwsConnection, clientOptions } from '../aws/clients';

export function createDocumentClient(conn: AwsConnection): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(clientOptions(conn, 'dynamodb')), {
    marshallOptions: { removeUndefinedValues: true },
  });
}
