import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { CorpusNotFoundError, DocumentNotFoundError } from './errors';
import { ToolExecutionError } from './framework';

/** A prose document of the corpus (`.md` or `.txt`). */
export interface CorpusDocument {
  /** The file name without its extension. */
  readonly id: string;
  /** From the first `# ` heading, or derived from the file name. */
  readonly title: string;
  /** From a `Topic:` line under the title, when present. */
  readonly topic?: string;
  /** From a `Published: YYYY-MM-DD` line under the title, when present. */
  readonly published?: string;
  /** The prose, without the title and metadata lines. */
  readonly text: string;
  readonly path: string;
}

/** A CSV dataset of the corpus. */
export interface CorpusDataset {
  /** The file name without `.csv`. */
  readonly id: string;
  readonly path: string;
  readonly csv: string;
}

/** Everything in one corpus folder, as loaded at one moment. */
export interface Corpus {
  readonly dir: string;
  readonly documents: readonly CorpusDocument[];
  readonly datasets: readonly CorpusDataset[];
}

const DOCUMENT_EXTENSIONS = new Set(['.md', '.txt']);
const DATASET_EXTENSIONS = new Set(['.csv']);

/**
 * Loads corpus folders and keeps each one until one of its files changes (names, sizes and mtimes
 * are compared on every call, so an edited corpus is never served stale).
 *
 * @example
 * const corpora = new CorpusCache();
 * const corpus = corpora.load('tools', '/data/corpus');
 */
export class CorpusCache {
  private readonly entries = new Map<string, { signature: string; corpus: Corpus }>();

  /** The corpus in `dir`; throws `CorpusNotFoundError` (naming `toolName`) when the folder is missing. */
  load(toolName: string, dir: string): Corpus {
    const resolved = path.resolve(dir);
    const files = listFiles(toolName, resolved);
    const signature = files.map((file) => `${file.name}:${file.size}:${file.mtimeMs}`).join('|');
    const cached = this.entries.get(resolved);
    if (cached && cached.signature === signature) return cached.corpus;
    const corpus = readCorpus(resolved, files.map((file) => file.name));
    this.entries.set(resolved, { signature, corpus });
    return corpus;
  }
}

/**
 * The cache the bundled tools share. Module-level on purpose: it is a memo that re-validates every
 * folder against its files on each use, so sharing it can never serve stale or foreign data.
 */
export const corpusCache = new CorpusCache();

function listFiles(toolName: string, dir: string): { name: string; size: number; mtimeMs: number }[] {
  try {
    if (!statSync(dir).isDirectory()) throw new CorpusNotFoundError(toolName, dir, 'is not a folder');
  } catch (error) {
    if (error instanceof CorpusNotFoundError) throw error;
    throw new CorpusNotFoundError(toolName, dir, 'does not exist or cannot be read');
  }
  const files: { name: string; size: number; mtimeMs: number }[] = [];
  collectFiles(dir, '', MAX_FOLDER_DEPTH, files);
  return files.sort((left, right) => left.name.localeCompare(right.name));
}

/** Corpora are usually `documents/` and `datasets/` under one folder; deeper trees are not a corpus. */
const MAX_FOLDER_DEPTH = 3;

function collectFiles(root: string, relative: string, depth: number, files: { name: string; size: number; mtimeMs: number }[]): void {
  for (const entry of readdirSync(path.join(root, relative), { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const name = relative === '' ? entry.name : path.join(relative, entry.name);
    if (entry.isDirectory()) {
      if (depth > 0) collectFiles(root, name, depth - 1, files);
      continue;
    }
    const extension = path.extname(entry.name).toLowerCase();
    if (!entry.isFile() || !(DOCUMENT_EXTENSIONS.has(extension) || DATASET_EXTENSIONS.has(extension))) continue;
    const stats = statSync(path.join(root, name));
    files.push({ name, size: stats.size, mtimeMs: stats.mtimeMs });
  }
}

function readCorpus(dir: string, names: readonly string[]): Corpus {
  const documents: CorpusDocument[] = [];
  const datasets: CorpusDataset[] = [];
  for (const name of names) {
    const filePath = path.join(dir, name);
    const extension = path.extname(name).toLowerCase();
    const id = path.basename(name, path.extname(name));
    // Ids are file names: the first file wins when two folders hold the same name.
    if (documents.some((document) => document.id === id) || datasets.some((dataset) => dataset.id === id)) continue;
    const content = readFileSync(filePath, 'utf8');
    if (DATASET_EXTENSIONS.has(extension)) datasets.push({ id, path: filePath, csv: content });
    else documents.push(parseDocument(id, filePath, content));
  }
  return { dir, documents, datasets };
}

/**
 * Splits a document file into title, metadata and prose. The title is the first `# ` heading;
 * `Topic:` and `Published:` lines directly under it are metadata.
 *
 * @example
 * parseDocument('grid', '/c/grid.md', '# Grid storage\nTopic: energy\n\nBatteries…').title; // 'Grid storage'
 */
export function parseDocument(id: string, filePath: string, content: string): CorpusDocument {
  const lines = content.replace(/^\uFEFF/, '').split(/\r?\n/);
  let index = 0;
  while (index < lines.length && lines[index].trim() === '') index++;
  let title = titleFromId(id);
  const headingMatch = /^#\s+(.+?)\s*#*\s*$/.exec(lines[index] ?? '');
  if (headingMatch) {
    title = headingMatch[1];
    index++;
  }
  let topic: string | undefined;
  let published: string | undefined;
  for (; index < lines.length; index++) {
    const line = lines[index].trim();
    if (line === '') continue;
    const meta = /^(topic|published)\s*:\s*(.+)$/i.exec(line);
    if (!meta) break;
    if (meta[1].toLowerCase() === 'topic') topic = meta[2].trim();
    else published = meta[2].trim();
  }
  const text = lines.slice(index).join('\n').trim();
  return { id, title, path: filePath, text, ...(topic ? { topic } : {}), ...(published ? { published } : {}) };
}

function titleFromId(id: string): string {
  const words = id.replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The documents of a corpus, or `CorpusNotFoundError` when there are none. */
export function requireDocuments(toolName: string, corpus: Corpus): readonly CorpusDocument[] {
  if (corpus.documents.length === 0) throw new CorpusNotFoundError(toolName, corpus.dir, 'holds no .md or .txt documents');
  return corpus.documents;
}

/** Finds a document by id, or throws `DocumentNotFoundError` listing the closest ids. */
export function findDocument(toolName: string, corpus: Corpus, id: string): CorpusDocument {
  const document = corpus.documents.find((candidate) => candidate.id === id) ?? corpus.documents.find((candidate) => candidate.id.toLowerCase() === id.toLowerCase());
  if (document) return document;
  const asDataset = corpus.datasets.find((dataset) => dataset.id === id);
  if (asDataset) {
    throw new ToolExecutionError(toolName, `"${id}" is a CSV dataset, not a document: read it with analyze_data({ documentId: "${id}" })`);
  }
  throw new DocumentNotFoundError(toolName, id, closestIds(id, corpus.documents.map((candidate) => candidate.id)));
}

/** Finds a dataset by id, or throws `DocumentNotFoundError` listing the closest dataset ids. */
export function findDataset(toolName: string, corpus: Corpus, id: string): CorpusDataset {
  const dataset = corpus.datasets.find((candidate) => candidate.id === id) ?? corpus.datasets.find((candidate) => candidate.id.toLowerCase() === id.toLowerCase());
  if (dataset) return dataset;
  throw new DocumentNotFoundError(toolName, id, closestIds(id, corpus.datasets.map((candidate) => candidate.id)), 'dataset');
}

/**
 * The ids most similar to `wanted` (shared substrings first, then edit distance), best first.
 *
 * @example
 * closestIds('grid-batery', ['grid-battery-storage', 'hydrogen']); // ['grid-battery-storage', 'hydrogen']
 */
export function closestIds(wanted: string, ids: readonly string[], limit = 5): string[] {
  const target = wanted.toLowerCase();
  const targetWords = new Set(target.split(/[^a-z0-9]+/).filter(Boolean));
  return ids
    .map((id) => {
      const candidate = id.toLowerCase();
      const sharedWords = candidate.split(/[^a-z0-9]+/).filter((word) => targetWords.has(word)).length;
      const contains = candidate.includes(target) || target.includes(candidate) ? 1 : 0;
      const distance = editDistance(target, candidate) / Math.max(target.length, candidate.length, 1);
      return { id, rank: contains * 2 + sharedWords - distance };
    })
    .sort((left, right) => right.rank - left.rank || left.id.localeCompare(right.id))
    .slice(0, limit)
    .map((entry) => entry.id);
}

function editDistance(left: string, right: string): number {
  let previous = Array.from({ length: right.length + 1 }, (_, column) => column);
  for (let row = 1; row <= left.length; row++) {
    const current = [row];
    for (let column = 1; column <= right.length; column++) {
      const substitution = previous[column - 1] + (left[row - 1] === right[column - 1] ? 0 : 1);
      current[column] = Math.min(previous[column] + 1, current[column - 1] + 1, substitution);
    }
    previous = current;
  }
  return previous[right.length];
}
