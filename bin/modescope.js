#!/usr/bin/env node
// Entry point of the `modescope` command. The TypeScript sources are compiled
// to dist/ by `npm install` (the package's prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    'error: modescope is not built (dist/ is missing)\n' +
      '  hint: run `npm install` (or `npm run build`) in the package folder\n',
  );
  process.exit(2);
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv.slice(2));
