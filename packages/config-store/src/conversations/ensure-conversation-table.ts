import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable, type EnsureDynamoTableOptions } from '../ensure-dynamo-table.js';

/** The local secondary index that lists a user's conversations newest first (sort key `updated_key`). */
export const CONVERSATIONS_BY_UPDATED_INDEX = 'by-updated';

/**
 * For tests and development: creates the conversations table unless it exists (keys `pk` S + `sk`
 * S, the local secondary index `by-updated` on `pk` + `updated_key` S, on-demand billing) and waits
 * until it is ACTIVE. In AWS, also turn on TTL on the attribute `expires_at` when
 * CONVERSATION_RETENTION_DAYS is set (see docs/deployment.md).
 */
export async function ensureConversationTable(client: DynamoDBClient, tableName: string, options: EnsureDynamoTableOptions = {}): Promise<void> {
  await ensureTable(
    client,
    {
      TableName: tableName,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'updated_key', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      LocalSecondaryIndexes: [
        {
          IndexName: CONVERSATIONS_BY_UPDATED_INDEX,
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'updated_key', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    },
    options,
  );
}
