/**
 * `modescope eval`: quality, diversity and collapse metrics of generated
 * samples against real ones (or a known toy mixture, Stacked MNIST, or
 * saved statistics).
 *
 * Feature extractors (--features) give FID, KID and precision/recall
 * their vectors and, for mnist and inception:PATH, the class
 * probabilities that the Inception Score uses. Stacked MNIST samples
 * ([N, 28, 28, 3], with --real stacked-mnist or --features mnist) go
 * through the MNIST classifier once per channel: the three digits give
 * the sample's mode (stackedMnistModes), and with --features mnist the
 * three 128-d feature vectors, concatenated to 384-d, are its features.
 */
import type { Command, ParsedArgs, CliIO } from '../framework.js';
import {
  isStackedMnistShape,
  loadSamples,
  stackedMnistSamples,
  type SampleSet,
} from '../../io/samples.js';
import { writeNpz } from '../../io/npy.js';
import {
  getMixture,
  isMixtureName,
  sampleMixture,
  type Mixture,
} from '../../data/mixtures.js';
import {
  collapseVerdict,
  diversity,
  emd,
  fidStats,
  frechetDistance,
  inceptionScore,
  kid,
  modeStats,
  prdc,
  slicedWasserstein,
  stackedMnistModes,
  type FidStats,
  type Matrix,
  type StackedModes,
} from '../../metrics/index.js';
import { Rng } from '../../util/rng.js';
import { UserError } from '../../util/errors.js';

const METRICS = [
  'fid', 'kid', 'pr', 'prdc', 'emd', 'swd', 'is', 'modes', 'dup',
];
const WHERE = 'modescope eval';

type Samples = SampleSet & { kind: 'samples' };

/** What an extractor gives for one sample set. */
interface Extracted {
  /** `[N, featureDim]`: what FID, KID and precision/recall compare. */
  features: Matrix;
  /** `[N, numClasses]` class probabilities (mnist, inception). */
  probs?: Matrix;
  /** Stacked MNIST modes, when the set went through the classifier. */
  modes?: StackedModes;
}

type FeaturesModule = typeof import('../../features/index.js');

/**
 * src/features, loaded on demand so that raw metrics never pay for the
 * tensor runtime.
 */
async function featuresModule(spec: string): Promise<FeaturesModule> {
  try {
    return await import('../../features/index.js');
  } catch {
    throw new UserError(
      `${WHERE}: --features ${spec} is not available in this build`,
      'use --features raw, or features you computed yourself as .npy',
    );
  }
}

/** Rows of a sample set as `[N, D]` (raw features: the values flattened). */
function rawFeatures(s: Samples): Matrix {
  const n = s.shape[0]!;
  return { data: s.data, shape: [n, s.data.length / n] };
}

function checkSpec(spec: string): void {
  if (!/^(raw|mnist|inception:.+)$/.test(spec)) {
    throw new UserError(
      `${WHERE}: --features must be raw, mnist or inception:PATH, ` +
        `but got "${spec}"`,
    );
  }
}

async function extract(spec: string, s: Samples): Promise<Extracted> {
  if (spec === 'raw') return { features: rawFeatures(s) };
  const fx = await featuresModule(spec);
  const n = s.shape[0]!;
  const input = s.shape.length === 4
    ? { data: s.data, shape: s.shape as [number, number, number, number] }
    : { data: s.data, rows: n, cols: s.data.length / n };
  const out = await fx.extractFeatures(spec, input);
  const m = (x: { data: Float32Array; rows: number; cols: number }) =>
    ({ data: x.data, shape: [x.rows, x.cols] }) as Matrix;
  return { features: m(out.features), probs: out.probs && m(out.probs) };
}

/**
 * Stacked MNIST `[N, 28, 28, 3]` through the MNIST classifier, one channel
 * at a time: the modes, and the per-channel features concatenated to
 * `[N, 3 * 128]`.
 */
async function stackedPass(s: Samples): Promise<Extracted> {
  const fx = await featuresModule('mnist');
  const n = s.shape[0]!;
  const parts: { data: Float32Array; cols: number }[] = [];
  const modes = await stackedMnistModes(s.data, n, async (channel, count) => {
    const out = await fx.extractFeatures('mnist', {
      data: channel,
      shape: [count, 28, 28, 1],
    });
    parts.push(out.features);
    const p = out.probs!;
    const labels = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      let best = 0;
      for (let c = 1; c < p.cols; c++) {
        if (p.data[i * p.cols + c]! > p.data[i * p.cols + best]!) best = c;
      }
      labels[i] = best;
    }
    return labels;
  });
  const cols = parts.reduce((a, q) => a + q.cols, 0);
  const data = new Float32Array(n * cols);
  let off = 0;
  for (const q of parts) {
    for (let i = 0; i < n; i++) {
      data.set(q.data.subarray(i * q.cols, (i + 1) * q.cols), i * cols + off);
    }
    off += q.cols;
  }
  return { features: { data, shape: [n, cols] }, modes };
}

/**
 * Features of a sample set; `stacked` sets go through stackedPass, which
 * replaces the extractor for mnist and adds the modes (an extra classifier
 * pass) for other extractors when `needModes`.
 */
async function extractSet(
  spec: string,
  s: Samples,
  stacked: boolean,
  needModes: boolean,
): Promise<Extracted> {
  if (stacked && spec === 'mnist') return stackedPass(s);
  const e = await extract(spec, s);
  if (stacked && needModes) e.modes = (await stackedPass(s)).modes;
  return e;
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'measure quality, diversity and collapse of generated samples',
  usage:
    'Usage: modescope eval --real R --fake F [--metrics LIST] [--json]\n' +
    'R and F: .npy / .npz arrays ([N, D], NHWC or NCHW; uint8 is scaled\n' +
    'to [0, 1]), image folders, CSV, or saved FID statistics (.npz with\n' +
    'mu and sigma). --real ring8 | grid25 names a known toy mixture;\n' +
    '--real stacked-mnist draws Stacked MNIST ([N, 28, 28, 3] fakes),\n' +
    'whose modes (digit triples, of 1000) the MNIST classifier counts.',
  flags: [
    { name: 'real', type: 'string', meta: 'R', required: true,
      description: 'real samples, saved statistics, a mixture name, or ' +
        'stacked-mnist' },
    { name: 'fake', type: 'string', meta: 'F', required: true,
      description: 'generated samples' },
    { name: 'metrics', type: 'list', meta: 'LIST', choices: METRICS,
      description: 'metrics to compute [default: fid,kid,prdc,dup, ' +
        'plus modes for a mixture or Stacked MNIST]' },
    { name: 'features', type: 'string', meta: 'SPEC', default: 'raw',
      description: 'feature extractor: raw, mnist or inception:PATH' },
    { name: 'save-stats', type: 'string', meta: 'FILE.npz',
      description: 'save the real FID statistics (mu, sigma) for reuse' },
    { name: 'kid-subsets', type: 'int', default: 100, meta: 'N',
      description: 'KID: number of subsets' },
    { name: 'kid-subset-size', type: 'int', default: 1000, meta: 'N',
      description: 'KID: samples per subset' },
    { name: 'is-splits', type: 'int', default: 10, meta: 'N',
      description: 'IS: number of equal parts the score is averaged over' },
    { name: 'seed', type: 'int', default: 0, meta: 'N',
      description: 'seed of subsets, projections and reference samples' },
  ],
  async run(args: ParsedArgs, io: CliIO): Promise<number> {
    const f = args.flags;
    const rng = new Rng(f.seed as number);
    const spec = f.features as string;
    checkSpec(spec);
    const realArg = f.real as string;
    const mixture: Mixture | undefined = isMixtureName(realArg)
      ? getMixture(realArg)
      : undefined;
    const stackedReal = realArg === 'stacked-mnist';
    const fakeSet = loadSamples(f.fake as string, '--fake');
    if (fakeSet.kind !== 'samples') {
      throw new UserError(
        `${WHERE}: --fake must be samples, but got saved statistics`,
      );
    }
    if (stackedReal && !isStackedMnistShape(fakeSet.shape)) {
      throw new UserError(
        `${WHERE}: --fake must be Stacked MNIST images [N, 28, 28, 3] for ` +
          `--real stacked-mnist, but got [${fakeSet.shape.join(', ')}]`,
      );
    }
    // Stacked MNIST: named as the reference, or recognised by its shape
    // when the MNIST classifier is the extractor anyway.
    const stacked = stackedReal ||
      (spec === 'mnist' && isStackedMnistShape(fakeSet.shape));
    const metrics = (f.metrics as string[] | undefined) ??
      ['fid', 'kid', 'prdc', 'dup', ...(mixture || stacked ? ['modes'] : [])];
    const needModes = metrics.includes('modes');
    if (needModes && !mixture && !stacked) {
      throw new UserError(
        `${WHERE}: --metrics modes needs known modes: --real ring8, grid25 ` +
          `or stacked-mnist, or [N, 28, 28, 3] Stacked MNIST samples with ` +
          `--features mnist, but got "${realArg}"`,
      );
    }
    if (stacked && metrics.includes('is')) {
      throw new UserError(
        `${WHERE}: --metrics is needs one class distribution per sample, ` +
          'but Stacked MNIST samples hold three digits',
        'use --metrics modes, which classifies each digit',
      );
    }
    const fakeX = await extractSet(spec, fakeSet, stacked, needModes);
    const fake = fakeX.features;
    let real: Matrix | undefined;
    let realStats: FidStats | undefined;
    const warnings: string[] = [];
    if (mixture) {
      if (fake.shape[1] !== 2) {
        throw new UserError(
          `${WHERE}: --fake must be 2-D points [N, 2] for --real ` +
            `${realArg}, but got [${fake.shape.join(', ')}]`,
        );
      }
      // The reference sample: as many points as the fake set, seeded.
      const n = fake.shape[0];
      real = { data: sampleMixture(mixture, n, rng.fork()), shape: [n, 2] };
    } else {
      const realSet = stackedReal
        ? stackedMnistSamples(fakeSet.shape[0]!, rng.fork())
        : loadSamples(realArg, '--real');
      if (realSet.kind === 'stats') {
        const d = realSet.mu.length;
        realStats = { mu: realSet.mu, sigma: realSet.sigma, dim: d };
        const others = metrics.filter((m) => m !== 'fid');
        if (others.length > 0) {
          throw new UserError(
            `${WHERE}: --real is saved statistics, which only fid can use, ` +
              `but --metrics asks for ${others.join(',')}`,
            'pass --metrics fid, or the real samples',
          );
        }
      } else {
        real = (await extractSet(spec, realSet, stacked, false)).features;
      }
    }
    const realDim = real ? real.shape[1] : realStats!.dim;
    const isOnly = metrics.length === 1 && metrics[0] === 'is';
    if (realDim !== fake.shape[1] && !isOnly) {
      throw new UserError(
        `${WHERE}: --fake must have the dimension of --real (${realDim}), ` +
          `but got ${fake.shape[1]}`,
        'compute both with the same --features and image size',
      );
    }

    const out: Record<string, unknown> = {};
    if (metrics.includes('fid') || f['save-stats']) {
      const rs = realStats ?? fidStats(real!);
      if (f['save-stats']) {
        writeNpz(f['save-stats'] as string, {
          mu: { shape: [rs.dim], data: rs.mu },
          sigma: { shape: [rs.dim, rs.dim], data: rs.sigma },
        });
      }
      if (metrics.includes('fid')) {
        const r = frechetDistance(rs, fidStats(fake));
        out.fid = r.fid;
        warnings.push(...r.warnings);
      }
    }
    if (metrics.includes('kid')) {
      const r = kid(real!, fake, rng.fork(), {
        subsets: f['kid-subsets'] as number,
        subsetSize: f['kid-subset-size'] as number,
      });
      out.kid = { mean: r.mean, std: r.std };
      warnings.push(...r.warnings);
    }
    if (metrics.includes('pr') || metrics.includes('prdc')) {
      const r = prdc(real!, fake);
      out.precision = r.precision;
      out.recall = r.recall;
      if (metrics.includes('prdc')) {
        out.density = r.density;
        out.coverage = r.coverage;
      }
      warnings.push(...r.warnings);
    }
    if (metrics.includes('emd')) {
      const r = emd(real!, fake, rng.fork());
      out.emd = r.emd;
      warnings.push(...r.warnings);
    }
    if (metrics.includes('swd')) {
      out.swd = slicedWasserstein(real!, fake, rng.fork());
    }
    if (metrics.includes('is')) {
      // The extractor's class probabilities; with raw features the fake
      // rows themselves are class probabilities.
      const r = inceptionScore(fakeX.probs ?? fake, {
        splits: f['is-splits'] as number,
      });
      out.is = { mean: r.mean, std: r.std };
      warnings.push(...r.warnings);
    }
    if (needModes && mixture) {
      const m = modeStats(fake.data, mixture);
      out.modes = { covered: m.covered, total: m.total,
        highQuality: m.highQuality, kl: m.kl };
    } else if (needModes) {
      // Stacked MNIST has no "high quality" notion of its own (a sample
      // is a mode whatever the digits look like), so that key is absent.
      const m = fakeX.modes!;
      out.modes = { covered: m.covered, total: m.total, kl: m.kl };
      warnings.push(...m.warnings);
    }
    if (metrics.includes('dup')) {
      const r = diversity(real!, fake, rng.fork());
      out.duplicates = r.duplicates;
      out.pairwiseRatio = r.pairwiseRatio;
    }
    const v = collapseVerdict({
      precision: out.precision as number | undefined,
      recall: out.recall as number | undefined,
      coverage: out.coverage as number | undefined,
      duplicates: out.duplicates as number | undefined,
      pairwiseRatio: out.pairwiseRatio as number | undefined,
      modes: out.modes as { covered: number; total: number } | undefined,
    });
    out.verdict = v.verdict;
    out.evidence = v.evidence;
    for (const w of warnings) io.err(`warning: ${w}\n`);
    if (f.json) {
      io.out(JSON.stringify(out) + '\n');
      return 0;
    }
    const fmt = (x: unknown): string =>
      typeof x === 'number' ? Number(x.toPrecision(6)).toString()
      : Array.isArray(x) ? x.join('; ')
      : x && typeof x === 'object'
        ? Object.entries(x).map(([k, y]) => `${k} ${fmt(y)}`).join(', ')
        : String(x);
    for (const [k, x] of Object.entries(out)) {
      io.out(`${k.padEnd(14)}${fmt(x)}\n`);
    }
    return 0;
  },
};
