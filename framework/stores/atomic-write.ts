import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from './process-liveness';

/** `.<name>.<pid>.<16 hex>.tmp`: hidden, and names the process that owns it so orphans can be recognised. */
const TEMP_FILE = /^\..+\.(\d+)\.[0-9a-f]{16}\.tmp$/;

/** A fresh temporary path next to `target`, on the same file system so that `rename` and `link` are atomic. */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`);
}

/** Whether a directory entry is one of our temporary files (never data). */
export function isTempFileName(name: string): boolean {
  return TEMP_FILE.test(name);
}

/** Makes a rename or unlink inside `directory` survive a power loss. Some platforms (Windows) cannot fsync a directory; there the rename is as durable as the OS makes it. */
export async function fsyncDirectory(directory: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(directory, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw error;
  } finally {
    await handle?.close();
  }
}

/** Writes `data` to a new temporary file next to `target` and flushes it to disk; returns its path. */
export async function writeDurableTempFile(target: string, data: string): Promise<string> {
  const temp = tempPathFor(target);
  const handle = await fs.open(temp, 'wx');
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await fs.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  return temp;
}

/**
 * Replaces `target` with `data` so that a process killed at any point leaves either the old
 * or the new content, never a mix: temp file in the same folder, fsync, rename, fsync the folder.
 *
 * @example
 * await writeFileAtomic('/project/.stepwise/approvals/a1.json', JSON.stringify(approval));
 */
export async function writeFileAtomic(target: string, data: string): Promise<void> {
  const temp = await writeDurableTempFile(target, data);
  try {
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  await fsyncDirectory(path.dirname(target));
}

/** Deletes a file and makes the deletion durable; a missing file is not an error. */
export async function removeFileDurably(target: string): Promise<void> {
  try {
    await fs.unlink(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  await fsyncDirectory(path.dirname(target));
}

/** Creates `directory` if needed and deletes temporary files left by processes that were killed mid-write. */
export async function prepareDirectory(directory: string): Promise<void> {
  await fs.mkdir(directory, { recursive: true });
  for (const name of await fs.readdir(directory)) {
    const match = TEMP_FILE.exec(name);
    if (match && !isProcessAlive(Number(match[1]))) await fs.rm(path.join(directory, name), { force: true });
  }
}
