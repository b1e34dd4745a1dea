#!/usr/bin/env node
// Builds the web console into dist/console/: one script bundled with esbuild from
// local/console/web/main.ts (plain TypeScript, no framework), the stylesheet and the icon. The
// engine serves these files itself; nothing is fetched from anywhere else.
'use strict';
const { copyFileSync, mkdirSync } = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const source = path.join(root, 'local', 'console', 'web');
const target = path.join(root, 'dist', 'console');

mkdirSync(target, { recursive: true });
esbuild.buildSync({
  entryPoints: [path.join(source, 'main.ts')],
  outfile: path.join(target, 'console.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2022'],
  legalComments: 'none',
  sourcemap: 'linked',
  logLevel: 'warning',
});
for (const file of ['console.css', 'favicon.svg']) copyFileSync(path.join(source, file), path.join(target, file));
