import path from 'node:path';
import { loadWithCodeCache } from './code-cache';

// `node dist/agent-task/bundle.cjs`: the container's program. This file is a few lines; the
// container itself (container.cjs, built from bundle.ts) is compiled with the V8 code cache the
// build wrote beside it, which spares each container start most of parsing and compiling its 0.8 MB.
const container = loadWithCodeCache(path.join(__dirname, 'container.cjs'), module);
module.exports = container.exports;

// `require.main === module` does not hold inside a bundle (each module has esbuild's wrapper as
// `module`); the file name does.
if (require.main?.filename === __filename) (container.exports.start as () => void)();
