import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { HistoryEvent } from '../executions/history-event';
import type { ExecutionRecord, TaskRecord } from '../executions/types';
import { appendJsonLine, readJson, readJsonLines, writeJsonAtomic } from './atomic-file';
import { checkExecutionRecord, checkHistoryEvent, checkTaskRecords } from './record-checks';

/** Everything the engine knows about one execution, loaded at start. */
export interface StoredExecution {
  readonly execution: ExecutionRecord;
  readonly history: HistoryEvent[];
  readonly tasks: TaskRecord[];
}

/**
 * The engine's own durable state under `<root>/engine/`: one folder per execution holding
 * `execution.json`, `history.jsonl`, `tasks.json` and the container's log.
 */
export class EngineStore {
  readonly folder: string;

  constructor(root: string) {
    this.folder = path.join(root, 'engine', 'executions');
    mkdirSync(this.folder, { recursive: true });
  }

  /** The folder of one execution (names are URI-encoded so any execution name is a valid folder). */
  executionFolder(executionArn: string): string {
    const [, , , , , , machine, name] = executionArn.split(':');
    return path.join(this.folder, encodeURIComponent(`${machine}:${name}`));
  }

  /** The file a container's stdout and stderr go to. */
  containerLogFile(executionArn: string): string {
    return path.join(this.executionFolder(executionArn), 'container.log');
  }

  saveExecution(execution: ExecutionRecord): void {
    writeJsonAtomic(path.join(this.executionFolder(execution.executionArn), 'execution.json'), execution);
  }

  saveTasks(executionArn: string, tasks: readonly TaskRecord[]): void {
    writeJsonAtomic(path.join(this.executionFolder(executionArn), 'tasks.json'), tasks);
  }

  appendHistory(executionArn: string, event: HistoryEvent): void {
    appendJsonLine(path.join(this.executionFolder(executionArn), 'history.jsonl'), event);
  }

  /**
   * Every execution persisted under the root, oldest first. Everything is read and checked before
   * anything is returned: a damaged file is a `StoreCorruptError` naming it and the execution's
   * folder to move aside, and the caller has changed nothing yet. Only a torn last history line
   * (the engine stopped while appending it) is expected, and it is cut off.
   */
  loadAll(): StoredExecution[] {
    if (!existsSync(this.folder)) return [];
    const stored: StoredExecution[] = [];
    for (const entry of readdirSync(this.folder)) {
      const folder = path.join(this.folder, entry);
      const damage = {
        remedy:
          `The engine did not start. Repair the file, or move its folder ${folder} out of ${this.folder} ` +
          '(the engine then starts without this execution), and start it again.',
      };
      const execution = readJson<ExecutionRecord>(path.join(folder, 'execution.json'), checkExecutionRecord, damage);
      if (!execution) continue;
      stored.push({
        execution,
        history: readJsonLines<HistoryEvent>(path.join(folder, 'history.jsonl'), checkHistoryEvent, damage),
        tasks: readJson<TaskRecord[]>(path.join(folder, 'tasks.json'), checkTaskRecords, damage) ?? [],
      });
    }
    return stored.sort((a, b) => a.execution.startDate - b.execution.startDate);
  }
}
