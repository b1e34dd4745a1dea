import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createPublishReport, publishReport } from '../../tools/publish_report/tool';
import { folderWith, run, toolContext } from './tool-context';

const s3 = mockClient(S3Client);
beforeEach(() => s3.reset());

describe('publish_report', () => {
  it('needs approval before it runs', () => {
    expect(publishReport.needsApproval).toBe(true);
  });

  it('writes the report as Markdown named after its title', async () => {
    const outboxDir = folderWith({});

    const result = await run(publishReport, { title: 'Storage Outlook: 2025!', body: 'Batteries keep getting cheaper.' }, toolContext({ outboxDir }));

    expect(result.deduplicated).toBe(false);
    expect(result.reportId).toMatch(/^storage-outlook-2025-[0-9a-f]{12}$/);
    expect(result.location).toBe(path.join(outboxDir, `${result.reportId}.md`));
    expect(readFileSync(result.location, 'utf8')).toBe('# Storage Outlook: 2025!\n\nBatteries keep getting cheaper.\n');
    expect(result.bytes).toBe(Buffer.byteLength(readFileSync(result.location)));
  });

  it('returns the existing report instead of writing twice for the same idempotency key', async () => {
    const outboxDir = folderWith({});
    const context = toolContext({ outboxDir }, { idempotencyKey: 'exec-7:call-3' });

    const first = await run(publishReport, { title: 'Weekly', body: 'First attempt.' }, context);
    const retry = await run(publishReport, { title: 'Weekly', body: 'Second attempt after a crash.' }, context);
    const concurrent = await Promise.all([1, 2, 3].map(() => run(publishReport, { title: 'Weekly', body: 'Again.' }, context)));

    expect(retry).toEqual({ ...first, deduplicated: true });
    expect(concurrent.every((result) => result.deduplicated && result.location === first.location)).toBe(true);
    expect(readdirSync(outboxDir)).toEqual([`${first.reportId}.md`]);
    expect(readFileSync(first.location, 'utf8')).toContain('First attempt.');
  });

  it('writes a second report for a different call', async () => {
    const outboxDir = folderWith({});

    await run(publishReport, { title: 'Weekly', body: 'One.' }, toolContext({ outboxDir }, { idempotencyKey: 'exec-1:a' }));
    await run(publishReport, { title: 'Weekly', body: 'Two.' }, toolContext({ outboxDir }, { idempotencyKey: 'exec-1:b' }));

    expect(readdirSync(outboxDir)).toHaveLength(2);
  });

  it('puts the report into S3 only if the key does not exist yet', async () => {
    s3.on(PutObjectCommand).resolves({});
    const tool = createPublishReport({ s3Client: new S3Client({ region: 'us-east-1' }) });

    const result = await run(tool, { title: 'Q3 Review', body: 'Text.' }, toolContext({ outboxDir: 's3://reports-bucket/agent/out/' }));

    const input = s3.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(input).toMatchObject({ Bucket: 'reports-bucket', Key: `agent/out/${result.reportId}.md`, IfNoneMatch: '*', Body: '# Q3 Review\n\nText.\n' });
    expect(result).toMatchObject({ location: `s3://reports-bucket/agent/out/${result.reportId}.md`, deduplicated: false });
  });

  it('treats an S3 PreconditionFailed as already published', async () => {
    s3.on(PutObjectCommand).rejects(
      new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 }, message: 'At least one of the pre-conditions you specified did not hold' }),
    );
    const tool = createPublishReport({ s3Client: new S3Client({ region: 'us-east-1' }) });

    const result = await run(tool, { title: 'Q3 Review', body: 'Text.' }, toolContext({ outboxDir: 's3://reports-bucket' }));

    expect(result).toMatchObject({ deduplicated: true, location: `s3://reports-bucket/${result.reportId}.md` });
  });

  it('reports other S3 failures as retryable tool errors naming the outbox', async () => {
    s3.on(PutObjectCommand).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied' }));
    const tool = createPublishReport({ s3Client: new S3Client({ region: 'us-east-1' }) });

    const error = await run(tool, { title: 'Q3', body: 'Text.' }, toolContext({ outboxDir: 's3://reports-bucket' })).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ retryable: true, message: expect.stringContaining('s3://reports-bucket') });
  });
});
