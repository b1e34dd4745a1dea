#!/usr/bin/env node
'use strict';
// The compiled CLI; `npm install` builds it (the "prepare" script).
const path = require('node:path');
const { existsSync } = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('stepwise: the compiled CLI is missing (dist/cli/main.js). Run "npm install" (or "npm run build") in the stepwise package first.\n');
  process.exit(2);
}
require(entry).main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
