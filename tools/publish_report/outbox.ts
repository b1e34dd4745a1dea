import type { S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** What is written, and under which name. */
export interface ReportFile {
  readonly reportId: string;
  readonly content: string;
}

/** Where a report ended up. */
export interface Delivery {
  readonly location: string;
  readonly bytes: number;
  readonly deduplicated: boolean;
}

const KEY_HASH_CHARS = 12;

/** The S3 client's module, loaded on the first S3 delivery: a run that publishes to a folder never loads it. */
const s3Sdk = (): typeof import('@aws-sdk/client-s3') => require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');

/**
 * The report's id: a slug of the title plus a short hash of the idempotency key, so every retry
 * of one call lands on the same name and a second write can be detected.
 *
 * @example
 * reportIdFor('Q3 Storage Review', 'exec-1:call-2'); // 'q3-storage-review-' + 12 hex characters
 */
export function reportIdFor(title: string, idempotencyKey: string): string {
  const slug =
    title
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60)
      .replace(/-+$/, '') || 'report';
  return `${slug}-${keyHash(idempotencyKey)}`;
}

function keyHash(idempotencyKey: string): string {
  return createHash('sha256').update(idempotencyKey).digest('hex').slice(0, KEY_HASH_CHARS);
}

/**
 * Writes the report into a folder exactly once per idempotency key: an existing report with the
 * same key hash is returned instead, and the new file appears atomically (written to a temporary
 * file, then hard-linked into place, which fails if the name already exists).
 *
 * @example
 * await deliverToFolder('/tmp/outbox', { reportId: 'review-5d41402abc4b', content: '# Review\n' });
 */
export async function deliverToFolder(folder: string, report: ReportFile): Promise<Delivery> {
  await fs.mkdir(folder, { recursive: true });
  const hashSuffix = report.reportId.slice(report.reportId.lastIndexOf('-'));
  const existing = (await fs.readdir(folder)).find((name) => name.endsWith(`${hashSuffix}.md`) && !name.startsWith('.'));
  if (existing) return existingDelivery(path.join(folder, existing));
  const target = path.join(folder, `${report.reportId}.md`);
  const temporary = path.join(folder, `.${report.reportId}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  await fs.writeFile(temporary, report.content, { flag: 'wx' });
  try {
    await fs.link(temporary, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return existingDelivery(target);
    throw error;
  } finally {
    await fs.rm(temporary, { force: true });
  }
  return { location: target, bytes: Buffer.byteLength(report.content), deduplicated: false };
}

async function existingDelivery(file: string): Promise<Delivery> {
  const stats = await fs.stat(file);
  return { location: file, bytes: stats.size, deduplicated: true };
}

/** `s3://bucket/prefix` split into its parts, or undefined for a folder path. */
export function parseS3Location(outbox: string): { bucket: string; prefix: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(outbox);
  if (!match) return undefined;
  return { bucket: match[1], prefix: match[2].replace(/\/+$/, '') };
}

/**
 * Puts the report into S3 only if no object has its key yet (`If-None-Match: *`); a
 * `PreconditionFailed` answer means this call already published it.
 *
 * @example
 * await deliverToS3(new S3Client({}), { bucket: 'reports', prefix: 'agent' }, report, signal);
 */
export async function deliverToS3(client: S3Client, location: { bucket: string; prefix: string }, report: ReportFile, signal?: AbortSignal): Promise<Delivery> {
  const key = location.prefix === '' ? `${report.reportId}.md` : `${location.prefix}/${report.reportId}.md`;
  const bytes = Buffer.byteLength(report.content);
  const url = `s3://${location.bucket}/${key}`;
  try {
    await client.send(
      new (s3Sdk().PutObjectCommand)({ Bucket: location.bucket, Key: key, Body: report.content, ContentType: 'text/markdown; charset=utf-8', IfNoneMatch: '*' }),
      { abortSignal: signal },
    );
  } catch (error) {
    const name = (error as { name?: string }).name;
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (name === 'PreconditionFailed' || status === 412) return { location: url, bytes, deduplicated: true };
    throw error;
  }
  return { location: url, bytes, deduplicated: false };
}
