import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

/** Watches a set of files; see `watchFiles`. */
export interface FileWatch {
  /** Watches these files from now on (and no others). */
  watch(files: Iterable<string>): void;
  /** Adds a file (one a failed build pointed at, not yet imported by a build that worked). */
  add(file: string): void;
  close(): void;
}

/**
 * Calls `onChange` once a burst of changes to any of the given files has been quiet for
 * `debounceMs`. Watches the files' folders rather than the files, so an editor that saves by
 * writing a new file and renaming it over the old one is still noticed. Files under
 * `node_modules/` are never watched: packages are not the user's code.
 *
 * @example
 * const watcher = watchFiles(Object.keys(build.inputs), 200, () => reload());
 */
export function watchFiles(files: Iterable<string>, debounceMs: number, onChange: () => void): FileWatch {
  let watched = new Set<string>();
  const folders = new Map<string, FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  const changed = (folder: string, name: string | null): void => {
    if (name !== null && !watched.has(path.join(folder, name))) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };
  const sync = (): void => {
    const wanted = new Set([...watched].map((file) => path.dirname(file)));
    for (const [folder, watcher] of folders) {
      if (wanted.has(folder)) continue;
      watcher.close();
      folders.delete(folder);
    }
    for (const folder of wanted) {
      if (folders.has(folder)) continue;
      try {
        const watcher = watch(folder, { persistent: false }, (_event, name) => changed(folder, name === null ? null : String(name)));
        watcher.on('error', () => undefined); // the folder went away: nothing left to notice there
        folders.set(folder, watcher);
      } catch {
        // A folder that is gone cannot change; the next build says what is missing.
      }
    }
  };
  const userFiles = (list: Iterable<string>): Set<string> => new Set([...list].map((file) => path.resolve(file)).filter((file) => !file.split(path.sep).includes('node_modules')));
  watched = userFiles(files);
  sync();
  return {
    watch(list) {
      watched = userFiles(list);
      sync();
    },
    add(file) {
      for (const each of userFiles([file])) watched.add(each);
      sync();
    },
    close() {
      clearTimeout(timer);
      for (const watcher of folders.values()) watcher.close();
      folders.clear();
    },
  };
}
