import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import {
  FilePayloadStore,
  MemoryPayloadStore,
  PayloadNotFoundError,
  S3PayloadStore,
  createStores,
  isPayloadRef,
  payloadKeyOf,
  payloadRef,
  type PayloadStore,
} from '../../../framework/stores';

const s3 = mockClient(S3Client);

/** An S3 double that keeps what was put, so a reference can be resolved again. */
function rememberObjects(): Map<string, string> {
  const objects = new Map<string, string>();
  s3.on(PutObjectCommand).callsFake(async (input: { Key: string; Body: string }) => {
    objects.set(input.Key, input.Body);
    return {};
  });
  s3.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
    const body = objects.get(input.Key);
    if (body === undefined) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    return { Body: { transformToString: async () => body } };
  });
  return objects;
}

const folders: string[] = [];
afterAll(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));
beforeEach(() => s3.reset());

const subjects: [string, () => PayloadStore][] = [
  ['memory', () => new MemoryPayloadStore()],
  [
    'file',
    () => {
      const folder = mkdtempSync(path.join(tmpdir(), 'stepwise-payloads-'));
      folders.push(folder);
      return new FilePayloadStore({ directory: folder });
    },
  ],
  [
    's3',
    () => {
      rememberObjects();
      return new S3PayloadStore({ s3: new S3Client({ region: 'us-east-1' }), bucket: 'payload-bucket' });
    },
  ],
];

describe.each(subjects)('the %s payload store', (_name, create) => {
  it('gives back exactly the value behind a short reference, whatever its size', async () => {
    const store = create();
    const big = { body: `${'x'.repeat(2 * 1024 * 1024)} ✓ "quoted" \\ end`, nested: [1, { deep: null }] };

    const ref = await store.put('approvals/apv-1/args', big);

    expect(ref).toBe('stepwise-payload:approvals/apv-1/args');
    await expect(store.get(ref)).resolves.toEqual(big);
  });

  it('replaces the value of a key that is put again', async () => {
    const store = create();
    await store.put('decisions/apv-1', { outcome: 'rejected' });
    const ref = await store.put('decisions/apv-1', { outcome: 'approved' });
    await expect(store.get(ref)).resolves.toEqual({ outcome: 'approved' });
  });

  it('stores plain strings and keeps keys with colons (execution ARNs) apart', async () => {
    const store = create();
    const first = await store.put('results/arn:aws:states:us-east-1:1:execution:a:one', 'first');
    const second = await store.put('results/arn:aws:states:us-east-1:1:execution:a:two', 'second');
    await expect(store.get(first)).resolves.toBe('first');
    await expect(store.get(second)).resolves.toBe('second');
  });

  it('names a reference that points to nothing', async () => {
    const store = create();
    const missing = payloadRef('uploads/never-written');
    await expect(store.get(missing)).rejects.toBeInstanceOf(PayloadNotFoundError);
    await expect(store.get(missing)).rejects.toThrow('No payload at stepwise-payload:uploads/never-written');
  });

  it('refuses keys and references that are not ours, naming them', async () => {
    const store = create();
    await expect(store.put('../escape', 1)).rejects.toMatchObject({ field: 'key' });
    await expect(store.put('a//b', 1)).rejects.toMatchObject({ field: 'key' });
    await expect(store.get('s3://bucket/key')).rejects.toThrow('ref must be a payload reference ("stepwise-payload:<key>"), got "s3://bucket/key"');
    await expect(store.get('stepwise-payload:a/../b')).rejects.toMatchObject({ field: 'ref' });
  });
});

describe('payload references', () => {
  it('round-trip between key and reference, and recognise only well-formed ones', () => {
    expect(payloadKeyOf(payloadRef('uploads/abc-1'))).toBe('uploads/abc-1');
    expect(isPayloadRef('stepwise-payload:uploads/abc-1')).toBe(true);
    expect(isPayloadRef('stepwise-payload:')).toBe(false);
    expect(isPayloadRef({ ref: 'stepwise-payload:x' })).toBe(false);
  });

  it('keeps S3 objects under the payload prefix of the bucket, encrypted', async () => {
    const objects = rememberObjects();
    const store = new S3PayloadStore({ s3: new S3Client({ region: 'us-east-1' }), bucket: 'payload-bucket' });
    await store.put('results/run-1', 'answer');
    expect([...objects.keys()]).toEqual(['payloads/results/run-1']);
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input).toMatchObject({ Bucket: 'payload-bucket', ServerSideEncryption: 'AES256', ContentType: 'application/json' });
  });

  it('are part of every store set: the file store keeps them under payloads/', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'stepwise-stores-'));
    folders.push(root);
    const { payloads } = createStores({ kind: 'file', root });
    await payloads.put('uploads/u1', { big: true });
    expect(readdirSync(path.join(root, 'payloads'))).toEqual(['uploads%2Fu1.json']);
    expect(createStores({ kind: 'memory' }).payloads).toBeInstanceOf(MemoryPayloadStore);
  });
});
