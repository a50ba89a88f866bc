#!/usr/bin/env node
// `npm run bench:metrics`: modescope vs the Python references, side by side
// in one run, on the same 10k x 10k 2048-d float32 features: FID and PRDC
// (k = 5, one k for all four numbers as in the prdc package). Each side
// runs in its own process, so peak RSS (maxrss) is per side. Besides wall
// time, each side reports its CPU time (user + system, all threads): on a
// shared machine the wall times follow the load, the CPU times much less.
// Sizes can be overridden: node bench/metrics/run.mjs N D.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const n = Number(process.argv[2] ?? 10000);
const d = Number(process.argv[3] ?? 2048);
const k = 5;
const out = path.join(root, 'bench', 'out');
fs.mkdirSync(out, { recursive: true });

if (process.argv[4] === '--child') {
  // The modescope side.
  const { readNpy } = await import('../../dist/src/io/npy.js');
  const m = await import('../../dist/src/metrics/index.js');
  const { linalgBackend } = await import('../../dist/src/linalg/index.js');
  const real = readNpy(path.join(out, 'real.npy'));
  const fake = readNpy(path.join(out, 'fake.npy'));
  const R = { data: real.data, shape: [n, d] };
  const F = { data: fake.data, shape: [n, d] };
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const c0 = cpu();
  const t0 = performance.now();
  const fr = m.fid(R, F);
  const fid = fr.fid;
  const t1 = performance.now();
  const c1 = cpu();
  const p = m.prdcSingleK(R, F, k);
  const t2 = performance.now();
  const c2 = cpu();
  console.log(JSON.stringify({
    backend: `${linalgBackend()}, ${fr.route}`, fid,
    fidSeconds: (t1 - t0) / 1000, fidCpu: c1 - c0, prdcCpu: c2 - c1,
    prdc: { precision: p.precision, recall: p.recall, density: p.density,
      coverage: p.coverage },
    prdcSeconds: (t2 - t1) / 1000,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  }));
  process.exit(0);
}

// Features: a seeded, correlated Gaussian per set (fake shifted/scaled).
const { Rng } = await import('../../dist/src/util/rng.js');
const { writeNpy } = await import('../../dist/src/io/npy.js');
for (const [name, seed, scale, shift] of [['real', 1, 1, 0], ['fake', 2, 1.1, 0.05]]) {
  const rng = new Rng(seed);
  const a = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let prev = 0;
    for (let j = 0; j < d; j++) {
      prev = 0.5 * prev + rng.normal();
      a[i * d + j] = shift + scale * prev;
    }
  }
  writeNpy(path.join(out, `${name}.npy`), [n, d], a);
}
console.log(`features: ${n} real + ${n} fake, ${d}-d float32`);
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
};
const ms = run(process.execPath, [fileURLToPath(import.meta.url), String(n),
  String(d), '--child']);
const py = run('/usr/bin/python3', [path.join(root, 'bench/metrics/reference.py'),
  path.join(out, 'real.npy'), path.join(out, 'fake.npy'), String(k)]);
const row = (name, a, b) =>
  console.log(`${name.padEnd(22)}${String(a).padStart(16)}${String(b).padStart(22)}`);
row('', `modescope(${ms.backend})`, 'python reference');
row('FID seconds', ms.fidSeconds.toFixed(2), py.fidSeconds.toFixed(2));
row('FID CPU seconds', ms.fidCpu.toFixed(2), py.fidCpu.toFixed(2));
row('FID value', ms.fid.toFixed(6), py.fid.toFixed(6));
row('PRDC seconds', ms.prdcSeconds.toFixed(2), py.prdcSeconds.toFixed(2));
row('PRDC CPU seconds', ms.prdcCpu.toFixed(2), py.prdcCpu.toFixed(2));
for (const key of ['precision', 'recall', 'density', 'coverage']) {
  row(`  ${key}`, ms.prdc[key], py.prdc[key]);
}
row('peak RSS MiB', ms.peakRssMiB.toFixed(0), py.peakRssMiB.toFixed(0));
const load = (await import('node:os')).loadavg();
console.log(`load average during the run: ${load.map((x) => x.toFixed(2))
  .join(', ')} (1, 5, 15 min) on ${(await import('node:os')).cpus().length} ` +
  'cores');
