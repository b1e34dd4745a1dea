import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigDefinitionError } from '../../../framework/errors';
import { createStores, type StoreLocation } from '../../../framework/stores';
import { sampleApproval, sampleEvent } from '../../helpers/store-contract';

describe('createStores', () => {
  it('keeps file stores in their own folders under the root', async () => {
    // Prepare
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'stepwise-factory-'));
    const stores = createStores({ kind: 'file', root });
    // Act
    await stores.checkpoints.append('arn:run', [{ seq: 1, json: '{}' }]);
    await stores.checkpoints.release('arn:run');
    await stores.events.append('arn:run', [sampleEvent(1)]);
    await stores.approvals.put(sampleApproval('ap-1'));
    // Assess
    expect((await fs.readdir(root)).sort()).toEqual(['approvals', 'checkpoints', 'events']);
    await expect(createStores({ kind: 'file', root }).events.read('arn:run')).resolves.toHaveLength(1);
    await fs.rm(root, { recursive: true, force: true });
  });

  it('sends AWS stores to the given tables through the given clients', async () => {
    // Prepare
    const dynamodb = mockClient(DynamoDBDocumentClient);
    dynamodb.on(QueryCommand).resolves({ Items: [] });
    dynamodb.on(PutCommand).resolves({});
    const stores = createStores(
      { kind: 'aws', runStateTable: 'RunState', eventsTable: 'Events', approvalsTable: 'Approvals', bucket: 'payloads' },
      { dynamodb: new DynamoDBClient({ region: 'eu-west-1' }), s3: new S3Client({ region: 'eu-west-1' }) },
    );
    // Act
    await stores.checkpoints.append('arn:run', [{ seq: 1, json: '{}' }]);
    await stores.events.append('arn:run', [sampleEvent(1)]);
    await stores.approvals.put(sampleApproval('ap-1'));
    // Assess
    expect(dynamodb.commandCalls(PutCommand).map((call) => call.args[0].input.TableName)).toEqual(['RunState', 'Events', 'Approvals']);
    dynamodb.restore();
  });

  it('names what is missing from a store location', () => {
    const noBucket = { kind: 'aws', runStateTable: 'R', eventsTable: 'E', approvalsTable: 'A' } as unknown as StoreLocation;
    expect(() => createStores(noBucket)).toThrow(ConfigDefinitionError);
    expect(() => createStores(noBucket)).toThrow(/"bucket"/);
    expect(() => createStores({ kind: 'file', root: '' })).toThrow(expect.objectContaining({ field: 'location.root' }));
    expect(() => createStores({ kind: 'disk' } as unknown as StoreLocation)).toThrow(/"memory", "file" or "aws"/);
  });
});
