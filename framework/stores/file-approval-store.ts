import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isTempFileName, prepareDirectory, removeFileDurably, writeFileAtomic } from './atomic-write';
import { assertStoredApproval, compareApprovals, parseStoredApproval, type ApprovalFilter, type ApprovalStore, type StoredApproval } from './approval-store';
import { StoreCorruptError } from './errors';
import { tryParseJson } from './json';
import { assertStoreKey, encodeStoreKey } from './key-encoding';

/** Options of `FileApprovalStore`. */
export interface FileApprovalStoreOptions {
  /** The folder that holds one `<encoded approval id>.json` per approval; created when missing. */
  readonly directory: string;
}

const APPROVAL_FILE = /^[^.].*\.json$/;

/**
 * Pending approvals as one JSON file each, written atomically, for the local engine.
 *
 * @example
 * const approvals = new FileApprovalStore({ directory: path.join(projectDir, '.stepwise', 'approvals') });
 * await approvals.put(approval);
 */
export class FileApprovalStore implements ApprovalStore {
  private readonly directory: string;
  private prepared: Promise<void> | undefined;

  constructor(options: FileApprovalStoreOptions) {
    this.directory = path.resolve(options.directory);
  }

  async put(approval: StoredApproval): Promise<void> {
    assertStoredApproval(approval);
    await this.ready();
    await writeFileAtomic(this.fileFor(approval.approvalId), JSON.stringify(parseStoredApproval(approval)));
  }

  async get(approvalId: string): Promise<StoredApproval | undefined> {
    return this.readFile(this.fileFor(approvalId));
  }

  async list(filter: ApprovalFilter = {}): Promise<StoredApproval[]> {
    if (filter.executionArn !== undefined) assertStoreKey(filter.executionArn, 'filter.executionArn');
    let names: string[];
    try {
      names = await fs.readdir(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const files = names.filter((name) => APPROVAL_FILE.test(name) && !isTempFileName(name));
    const approvals = await Promise.all(files.map((name) => this.readFile(path.join(this.directory, name))));
    return approvals
      .filter((approval): approval is StoredApproval => approval !== undefined)
      .filter((approval) => filter.executionArn === undefined || approval.executionArn === filter.executionArn)
      .sort(compareApprovals);
  }

  async delete(approvalId: string): Promise<void> {
    await removeFileDurably(this.fileFor(approvalId));
  }

  private fileFor(approvalId: string): string {
    assertStoreKey(approvalId, 'approvalId');
    return path.join(this.directory, `${encodeStoreKey(approvalId)}.json`);
  }

  /** Undefined when the file is gone (deleted meanwhile); corrupt content is an error. */
  private async readFile(file: string): Promise<StoredApproval | undefined> {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const approval = parseStoredApproval(tryParseJson(text));
    if (!approval) throw new StoreCorruptError(file, 'not an approval written by Stepwise');
    return approval;
  }

  private ready(): Promise<void> {
    this.prepared ??= prepareDirectory(this.directory).catch((error: unknown) => {
      this.prepared = undefined;
      throw error;
    });
    return this.prepared;
  }
}
