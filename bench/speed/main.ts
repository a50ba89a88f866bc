/**
 * `npm run bench:speed`: modescope's training speed against PyTorch on the
 * same CPU, in one run and one process tree.
 *
 * The parent spawns one child per measurement, one at a time (so they
 * never compete for the cores): modescope on each available backend
 * (`node dist/bench/speed/main.js --child <backend>`), and the PyTorch /
 * NumPy reference (bench/speed/reference.py under /usr/bin/python3) with
 * 1 and 2 threads. It prints steps per second for T1 and C1 (see gan.ts),
 * the ratio to PyTorch's best thread count, and GEMM throughput at
 * 256x128x128 and 1024x1024x1024 beside NumPy's.
 *
 * Each measurement warms up first (--warmup S, default 2: V8's optimising
 * compiler takes a few hundred steps to reach the hot code, PyTorch's
 * allocator fills its caches) and then times steady-state steps. The
 * runners are measured in --rounds R rounds (default 3), interleaved
 * (modescope, then PyTorch, then again), and each figure is the median
 * over rounds: the cores of a VM are shared with neighbours whose load
 * comes and goes, and interleaving spreads that over both sides alike.
 *
 * Flags: --json (one object on stdout), --only T1|C1, --seconds S (time
 * per measurement, default 3), --warmup S, --rounds R.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

type Config = 'T1' | 'C1';
const CONFIGS: Config[] = ['T1', 'C1'];
const GEMMS: [number, number, number][] = [
  [256, 128, 128],
  [1024, 1024, 1024],
];
/** Each runner: a backend, and for the native one a thread count (the
 * ratio uses its best, as it uses PyTorch's best). */
const RUNNERS: { backend: string; threads?: number }[] = [
  { backend: 'modescope-native', threads: 1 },
  { backend: 'modescope-native', threads: 2 },
  { backend: 'wasm' },
  { backend: 'cpu' },
];
const PYTHON = '/usr/bin/python3';
const HERE = path.dirname(fileURLToPath(import.meta.url));
/** dist/bench/speed -> the source tree's bench/speed (reference.py). */
const REFERENCE = path.resolve(HERE, '../../../bench/speed/reference.py');

interface Options {
  json: boolean;
  only: Config | null;
  seconds: number;
  warmup: number;
  rounds: number;
  child: string | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    json: false, only: null, seconds: 3, warmup: 2, rounds: 3, child: null,
  };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i]!;
    if (a === '--json') o.json = true;
    else if (a === '--only') {
      const v = argv[++i];
      if (v !== 'T1' && v !== 'C1') {
        throw new Error(`--only must be T1 or C1, but got "${v}"`);
      }
      o.only = v;
    } else if (a === '--seconds') {
      o.seconds = Number(argv[++i]);
      if (!(o.seconds > 0)) {
        throw new Error(`--seconds must be > 0, but got "${argv[i]}"`);
      }
    } else if (a === '--warmup') {
      o.warmup = Number(argv[++i]);
      if (!(o.warmup >= 0)) {
        throw new Error(`--warmup must be >= 0, but got "${argv[i]}"`);
      }
    } else if (a === '--rounds') {
      o.rounds = Number(argv[++i]);
      if (!Number.isInteger(o.rounds) || o.rounds < 1) {
        throw new Error(`--rounds must be an integer >= 1, but got "${argv[i]}"`);
      }
    } else if (a === '--child') o.child = argv[++i] ?? null;
    else {
      throw new Error(
        `unknown flag "${a}" (use --json, --only, --seconds, --warmup, --rounds)`,
      );
    }
  }
  return o;
}

// ---- child: one backend ----

interface ChildResult {
  backend: string;
  ok: boolean;
  reason?: string;
  steps: Partial<Record<Config, number | null>>;
  gemm: Record<string, number | null>;
}

async function runChild(o: Options): Promise<void> {
  const backend = o.child!;
  const { initRuntime, tf } = await import('../../src/runtime/tf.js');
  const out: ChildResult = { backend, ok: true, steps: {}, gemm: {} };
  try {
    await initRuntime(backend);
  } catch (e) {
    out.ok = false;
    out.reason = e instanceof Error ? e.message : String(e);
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  const { benchGan } = await import('./gan.js');
  // The JS CPU backend is ~100x slower: a short run of T1 only.
  const slow = backend === 'cpu';
  for (const c of CONFIGS) {
    if (o.only && o.only !== c) continue;
    if (slow && c === 'C1') {
      out.steps[c] = null;
      continue;
    }
    const secs = slow ? Math.min(o.seconds, 2) : o.seconds;
    out.steps[c] = benchGan(c, secs, slow ? 2 : 3, slow ? 0 : o.warmup)
      .stepsPerSecond;
  }
  for (const [m, k, n] of GEMMS) {
    const key = `${m}x${k}x${n}`;
    if (slow && m > 256) {
      out.gemm[key] = null;
      continue;
    }
    const a = tf.randomUniform([m, k]);
    const b = tf.randomUniform([k, n]);
    const once = () => tf.matMul(a, b).dataSync();
    for (let i = 0; i < 3; ++i) once();
    const t0 = performance.now();
    let reps = 0;
    while (reps < 3 || performance.now() - t0 < 1000) {
      once();
      reps += 1;
    }
    const dt = (performance.now() - t0) / 1000 / reps;
    out.gemm[key] = (2 * m * k * n) / dt / 1e9;
    tf.dispose([a, b]);
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

// ---- parent ----

function lastJsonLine(text: string): unknown {
  const lines = text.trim().split('\n').reverse();
  for (const l of lines) {
    if (l.startsWith('{')) return JSON.parse(l);
  }
  return null;
}

function hasTorch(): boolean {
  if (!existsSync(PYTHON)) return false;
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy'], {
    encoding: 'utf8',
  });
  return r.status === 0;
}

interface TorchResult {
  threads: number;
  T1?: number;
  C1?: number;
  gemm?: Record<string, number>;
}

function fmt(x: number | null | undefined, digits = 1): string {
  return x == null ? '-' : x.toFixed(digits);
}

async function runParent(o: Options): Promise<void> {
  const log = (s: string) => {
    if (!o.json) process.stdout.write(`${s}\n`);
    else process.stderr.write(`${s}\n`);
  };
  const self = fileURLToPath(import.meta.url);
  const base = ['--seconds', String(o.seconds), '--warmup', String(o.warmup)];
  if (o.only) base.push('--only', o.only);

  const runModescope = (b: string, threads?: number): ChildResult => {
    const label = threads ? `${b} ${threads} thr` : b;
    const env = { ...process.env };
    if (threads) env.MODESCOPE_NUM_THREADS = String(threads);
    const r = spawnSync(process.execPath, [self, '--child', b, ...base], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
      env,
    });
    const res = lastJsonLine(r.stdout ?? '') as ChildResult | null;
    if (res) {
      res.backend = label;
      return res;
    }
    return {
      backend: label, ok: false, steps: {}, gemm: {},
      reason: (r.stderr ?? '').trim().split('\n').pop() ?? 'crashed',
    };
  };
  const withTorch = hasTorch();
  const runTorch = (threads: number, gemm: boolean): TorchResult | null => {
    const args = [REFERENCE, '--threads', String(threads), ...base];
    if (gemm) args.push('--gemm');
    const r = spawnSync(PYTHON, args, {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: String(threads) },
    });
    const res = lastJsonLine(r.stdout ?? '') as TorchResult | null;
    if (!res) {
      const why = (r.stderr ?? '').trim().split('\n').pop();
      log(`  PyTorch failed: ${why}`);
    }
    return res;
  };
  if (!withTorch) {
    log('PyTorch reference skipped: /usr/bin/python3 cannot import torch ' +
      'and numpy (install them with `sudo apt-get install python3-torch ' +
      'python3-numpy`)');
  }

  // Rounds, interleaved: every runner once per round. The slow portable
  // backends (wasm, cpu) are shown for reference and measured once.
  const mineRounds = new Map<string, ChildResult[]>();
  const torchRounds = new Map<number, TorchResult[]>();
  const failed = new Set<string>();
  const short = (x: number | null | undefined) =>
    x == null ? '-' : x.toFixed(1);
  for (let round = 0; round < o.rounds; ++round) {
    const tag = o.rounds > 1 ? `round ${round + 1}/${o.rounds}: ` : '';
    for (const { backend: b, threads } of RUNNERS) {
      // A backend that could not start: said once, not per thread count.
      if (failed.has(b)) continue;
      if (round > 0 && b !== 'modescope-native') continue;
      const label = threads ? `${b} ${threads} thr` : b;
      const res = runModescope(b, threads);
      if (!res.ok) {
        log(`  ${b} unavailable: ${res.reason}`);
        failed.add(b);
      } else {
        log(`${tag}modescope ${label}: ` + CONFIGS.filter((c) =>
          !o.only || o.only === c).map((c) =>
          `${c} ${short(res.steps[c])}`).join(', ') + ' steps/s');
      }
      if (!mineRounds.has(label)) mineRounds.set(label, []);
      mineRounds.get(label)!.push(res);
    }
    if (!withTorch) continue;
    for (const threads of [1, 2]) {
      const res = runTorch(threads, round === 0 && threads === 1);
      if (!res) continue;
      log(`${tag}pytorch ${threads} thread(s): ` + CONFIGS.filter((c) =>
        !o.only || o.only === c).map((c) =>
        `${c} ${short(res[c])}`).join(', ') + ' steps/s');
      if (!torchRounds.has(threads)) torchRounds.set(threads, []);
      torchRounds.get(threads)!.push(res);
    }
  }
  const median = (xs: (number | null | undefined)[]): number | null => {
    const v = xs.filter((x): x is number => x != null).sort((p, q) => p - q);
    if (v.length === 0) return null;
    const h = v.length >> 1;
    return v.length % 2 ? v[h]! : (v[h - 1]! + v[h]!) / 2;
  };
  const mine: ChildResult[] = [...mineRounds.values()].map((rs) => {
    const ok = rs.filter((r) => r.ok);
    if (ok.length === 0) return rs[0]!;
    const steps: Partial<Record<Config, number | null>> = {};
    for (const c of CONFIGS) {
      if (ok.some((r) => c in r.steps)) steps[c] = median(ok.map((r) => r.steps[c]));
    }
    const gemm: Record<string, number | null> = {};
    for (const k of Object.keys(ok[0]!.gemm)) {
      gemm[k] = median(ok.map((r) => r.gemm[k]));
    }
    return { backend: ok[0]!.backend, ok: true, steps, gemm };
  });
  const torch: TorchResult[] = [...torchRounds.entries()].map(([t, rs]) => {
    const res: TorchResult = { threads: t };
    for (const c of CONFIGS) {
      const m = median(rs.map((r) => r[c]));
      if (m != null) res[c] = m;
    }
    const withGemm = rs.find((r) => r.gemm);
    if (withGemm) res.gemm = withGemm.gemm;
    return res;
  });
  // NumPy's GEMM uses every core (OpenBLAS threads) in the 1-thread run
  // too: OMP_NUM_THREADS limits torch, and reference.py sets only torch's.

  const best = (c: Config) => {
    let v: number | null = null;
    for (const t of torch) {
      const x = t[c];
      if (x != null && (v === null || x > v)) v = x;
    }
    return v;
  };
  // modescope's figure: the fastest run of the first backend that
  // started (native at its best thread count, else wasm).
  const firstOk = mine.find((m) => m.ok);
  const kind = (m: ChildResult) => m.backend.split(' ')[0];
  const family = mine.filter((m) =>
    m.ok && firstOk && kind(m) === kind(firstOk));
  const bestOf = (get: (m: ChildResult) => number | null | undefined) => {
    let v: number | null = null;
    for (const m of family) {
      const x = get(m);
      if (x != null && (v === null || x > v)) v = x;
    }
    return v;
  };
  const json: Record<string, unknown> = { rounds: o.rounds };
  const rows: string[] = [];
  const W = 42; // label column
  if (o.rounds > 1) {
    rows.push(`steps/s: median of ${o.rounds} interleaved rounds ` +
      `(wasm and cpu: one), each after a ${o.warmup} s warm-up`);
  }
  rows.push(`${'config  runner'.padEnd(W)}  steps/s  vs PyTorch best`);
  for (const c of CONFIGS) {
    if (o.only && o.only !== c) continue;
    const pt = best(c);
    for (const t of torch) {
      rows.push(`${c.padEnd(7)} pytorch ${t.threads} thread(s)`.padEnd(W) +
        fmt(t[c], 2).padStart(9));
    }
    for (const m of mine) {
      if (!m.ok) continue;
      const v = m.steps[c];
      const ratio = v != null && pt ? `${(v / pt).toFixed(2)}x` : '-';
      rows.push(`${c.padEnd(7)} modescope ${m.backend}`.padEnd(W) +
        fmt(v, 2).padStart(9) + ratio.padStart(12));
    }
    const v = bestOf((m) => m.steps[c]);
    json[c] = {
      modescope: v,
      pytorch: pt,
      ratio: v != null && pt ? v / pt : null,
      backend: firstOk?.backend.split(' ')[0] ?? null,
      backends: Object.fromEntries(mine.map((m) => [m.backend, m.steps[c]])),
      pytorchThreads: Object.fromEntries(torch.map((t) => [t.threads, t[c]])),
    };
  }
  const gemm: Record<string, unknown> = {};
  rows.push('');
  rows.push('GEMM (GFLOP/s)'.padEnd(16) +
    mine.filter((m) => m.ok).map((m) => m.backend.padStart(23)).join('') +
    'numpy'.padStart(10) + 'ratio'.padStart(8));
  const numpy = torch.find((t) => t.gemm)?.gemm ?? {};
  for (const [m, k, n] of GEMMS) {
    const key = `${m}x${k}x${n}`;
    const np = numpy[key] ?? null;
    const v = bestOf((m) => m.gemm[key]);
    rows.push(key.padEnd(16) +
      mine.filter((x) => x.ok).map((x) => fmt(x.gemm[key]).padStart(23))
        .join('') +
      fmt(np).padStart(10) +
      (v != null && np ? `${(v / np).toFixed(2)}x` : '-').padStart(8));
    gemm[key] = {
      modescope: v, numpy: np, ratio: v != null && np ? v / np : null,
    };
  }
  json.gemm = gemm;
  if (o.json) {
    process.stdout.write(`${JSON.stringify(json)}\n`);
  } else {
    log('');
    for (const r of rows) log(r);
  }
}

async function main(): Promise<void> {
  let o: Options;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exit(2);
  }
  if (o.child) await runChild(o);
  else await runParent(o);
}

await main();
