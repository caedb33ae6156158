import { CreateTableCommand, DescribeTableCommand, type CreateTableCommandInput, type DynamoDBClient, type TableStatus } from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { withRequestTimeout } from './dynamo-request-timeout.js';

export interface EnsureDynamoTableOptions {
  /** Give up after this long, in ms. Default 30_000. */
  timeoutMs?: number;
  /** Pause between DescribeTable polls, in ms. Default 100. */
  pollMs?: number;
}

/**
 * For tests and development: creates the config table (partition key `userId` S, on-demand billing,
 * as the seed's `aws dynamodb create-table`) unless it exists, then polls DescribeTable until it is
 * ACTIVE. (The SDK's waitUntilTableExists fails against dynalite, hence the polling.)
 */
export async function ensureDynamoTable(client: DynamoDBClient, tableName: string, options: EnsureDynamoTableOptions = {}): Promise<void> {
  await ensureTable(
    client,
    {
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'userId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    },
    options,
  );
}

/** Creates the table `input` describes unless one of its name exists, then waits until it is ACTIVE. */
export async function ensureTable(client: DynamoDBClient, input: CreateTableCommandInput & { TableName: string }, options: EnsureDynamoTableOptions = {}): Promise<void> {
  const tableName = input.TableName;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const pollMs = options.pollMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  const remainingMs = () => Math.max(1, deadline - Date.now());

  if ((await describeStatus(client, tableName, remainingMs())) === undefined) {
    const create = new CreateTableCommand(input);
    try {
      await withRequestTimeout('CreateTable', remainingMs(), (sendOptions) => client.send(create, sendOptions));
    } catch (error) {
      // Someone else created it between our DescribeTable and CreateTable.
      if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
    }
  }
  for (;;) {
    const status = await describeStatus(client, tableName, remainingMs());
    if (status === 'ACTIVE') return;
    if (Date.now() + pollMs > deadline) {
      throw new Error(`DynamoDB table ${tableName} not ACTIVE after ${timeoutMs} ms (status ${status ?? 'missing'})`);
    }
    await sleep(pollMs);
  }
}

async function describeStatus(client: DynamoDBClient, tableName: string, timeoutMs: number): Promise<TableStatus | undefined> {
  const describe = new DescribeTableCommand({ TableName: tableName });
  try {
    const output = await withRequestTimeout('DescribeTable', timeoutMs, (sendOptions) => client.send(describe, sendOptions));
    return output.Table?.TableStatus;
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}
