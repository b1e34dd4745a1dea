// One module name for the cost concept; `cost/` holds its parts. (A file, not `cost/index.ts`, so
// that a `dist/` built before the split cannot shadow it with a stale `cost.js`.)
export * from './cost/prices';
export * from './cost/breakdown';
