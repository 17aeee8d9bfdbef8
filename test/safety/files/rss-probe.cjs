// Preloaded (node --require) by test/safety/files.test.ts: at exit, writes the process's peak
// resident set size in KiB to the file named by SWPRUNE_RSS_FILE.
const { writeFileSync } = require('node:fs');
process.on('exit', () => writeFileSync(process.env.SWPRUNE_RSS_FILE, String(process.resourceUsage().maxRSS)));
