#!/usr/bin/env node
'use strict';
const path = require('node:path');
const entry = path.join(__dirname, '..', 'dist', 'src-main', 'cli', 'main.js');
let cli;
try {
  cli = require(entry);
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(entry)) {
    process.stderr.write('scl-lab is not built yet: run `npm install` (or `npm run build`) in ' + path.join(__dirname, '..') + '\n');
    process.exit(1);
  }
  throw e;
}
cli.main(process.argv).then((code) => { process.exitCode = code; });
