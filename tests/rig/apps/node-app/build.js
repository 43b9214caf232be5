// The demo's build step: writes build/version.txt from the commit's VERSION file.
'use strict';
const fs = require('fs');
fs.mkdirSync('build', { recursive: true });
const v = fs.readFileSync('VERSION', 'utf8').trim();
fs.writeFileSync('build/version.txt', v + '\n');
console.log(`built version ${v}`);
