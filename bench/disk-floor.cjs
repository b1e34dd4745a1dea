// Shared by bench/durable-runs.ts (through ts-node) and bench/compare/compare.mjs (plain Node, its
// own package): plain CommonJS, so both can load it without compiling. Types: disk-floor.d.cts.
const { closeSync, fdatasyncSync, openSync, writeSync } = require('node:fs');
const path = require('node:path');

/** The median of `values` (the mean of the middle two for an even count). */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The floor a durable step pays on the disk of `folder`, now: one append of a record-sized line
 * (481 bytes) and one `fdatasync`, median of 200, in µs. Leaves `floor.jsonl` in `folder`.
 */
function appendFloor(folder) {
  const fd = openSync(path.join(folder, 'floor.jsonl'), 'a');
  const line = Buffer.from(`${'x'.repeat(480)}\n`);
  const samples = [];
  try {
    for (let n = 0; n < 200; n++) {
      const started = performance.now();
      writeSync(fd, line);
      fdatasyncSync(fd);
      samples.push((performance.now() - started) * 1000);
    }
  } finally {
    closeSync(fd);
  }
  return median(samples);
}

module.exports = { median, appendFloor };
