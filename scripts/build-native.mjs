#!/usr/bin/env node
// The package's `install` script: compiles the modescope-native addon with
// node-gyp (the copy bundled with npm, so nothing is downloaded) against
// the Node headers already on the machine.
//
// A failed build must not fail `npm install`: this prints one line saying
// why and exits 0; modescope then runs on the WASM backend and says so.
// Set MODESCOPE_SKIP_NATIVE=1 to skip the build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function findNodeGyp() {
  // npm_execpath points at npm's own CLI when run by npm.
  const candidates = [];
  if (process.env.npm_execpath) {
    candidates.push(path.resolve(path.dirname(process.env.npm_execpath),
      '../node_modules/node-gyp/bin/node-gyp.js'));
  }
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  candidates.push(
    path.join(prefix,
      'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
    path.join(root, 'node_modules/node-gyp/bin/node-gyp.js'),
  );
  return candidates.find((p) => existsSync(p)) ?? null;
}

// Headers: prefer the install prefix of this node (e.g. /usr/include/node),
// so node-gyp never tries to download them.
function nodeDir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (existsSync(path.join(prefix, 'include/node/node_api.h'))) return prefix;
  return null;
}

function main() {
  if (process.env.MODESCOPE_SKIP_NATIVE === '1') {
    console.log('modescope: native addon skipped (MODESCOPE_SKIP_NATIVE=1); ' +
      'the WASM backend will be used');
    return;
  }
  const gyp = findNodeGyp();
  if (!gyp) {
    console.log('modescope: native addon not built: node-gyp not found ' +
      "next to npm; the WASM backend will be used");
    return;
  }
  const args = [gyp, 'rebuild'];
  const dir = nodeDir();
  if (dir) args.push(`--nodedir=${dir}`);
  const r = spawnSync(process.execPath, args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, npm_config_offline: 'true' },
  });
  if (r.status === 0) {
    console.log('modescope: native addon built (build/Release/' +
      'modescope_native.node)');
    return;
  }
  const text = `${r.stderr ?? ''}\n${r.stdout ?? ''}`;
  const first = text.split('\n').find((l) => /error/i.test(l)) ??
    (r.error ? r.error.message : `node-gyp exited with ${r.status}`);
  console.log(`modescope: native addon not built (${first.trim()}); ` +
    'the WASM backend will be used');
}

try {
  main();
} catch (e) {
  console.log(`modescope: native addon not built (${e.message}); ` +
    'the WASM backend will be used');
}
process.exit(0);
