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
// The AWS SDK warns on every command that its 2027 releases will need Node 22; this package pins
// its SDK versions, so the warning says nothing a user of this CLI can act on today.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require(entry).main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
