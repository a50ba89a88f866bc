/**
 * `modescope eval`: quality, diversity and collapse metrics of generated
 * samples against real ones (or a known toy mixture, or saved statistics).
 */
import type { Command, ParsedArgs, CliIO } from '../framework.js';
import { loadSamples, type SampleSet } from '../../io/samples.js';
import { writeNpz } from '../../io/npy.js';
import { getMixture, isMixtureName, sampleMixture, type Mixture } from '../../data/mixtures.js';
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
  type FidStats,
  type Matrix,
} from '../../metrics/index.js';
import { Rng } from '../../util/rng.js';
import { UserError } from '../../util/errors.js';

const METRICS = ['fid', 'kid', 'pr', 'prdc', 'emd', 'swd', 'is', 'modes', 'dup'];

/** Rows of a sample set as `[N, D]` (raw features: the values flattened). */
function rawFeatures(s: SampleSet & { kind: 'samples' }): Matrix {
  const n = s.shape[0]!;
  return { data: s.data, shape: [n, s.data.length / n] };
}

async function extract(
  spec: string,
  s: SampleSet & { kind: 'samples' },
): Promise<Matrix> {
  if (spec === 'raw') return rawFeatures(s);
  if (!/^(mnist|inception:.+)$/.test(spec)) {
    throw new UserError(
      `modescope eval: --features must be raw, mnist or inception:PATH, ` +
        `but got "${spec}"`,
    );
  }
  // The extractors live in src/features; loaded on demand so that raw
  // metrics never pay for the tensor runtime.
  let mod: Record<string, unknown>;
  try {
    mod = (await import('../../features/index.js' as string)) as Record<string, unknown>;
  } catch {
    mod = {};
  }
  const fn = mod.extractFeatures as
    | ((spec: string, input: unknown) => Promise<{
        features: { data: Float32Array; rows: number; cols: number };
      }>)
    | undefined;
  if (!fn) {
    throw new UserError(
      `modescope eval: --features ${spec} is not available in this build`,
      'use --features raw, or features you computed yourself as .npy',
    );
  }
  const n = s.shape[0]!;
  const input = s.shape.length === 4
    ? { data: s.data, shape: s.shape }
    : { data: s.data, rows: n, cols: s.data.length / n };
  const f = (await fn(spec, input)).features;
  return { data: f.data, shape: [f.rows, f.cols] };
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'measure quality, diversity and collapse of generated samples',
  usage:
    'Usage: modescope eval --real R --fake F [--metrics LIST] [--json]\n' +
    'R and F: .npy / .npz arrays ([N, D], NHWC or NCHW; uint8 is scaled\n' +
    'to [0, 1]), image folders, CSV, or saved FID statistics (.npz with\n' +
    'mu and sigma). --real ring8 | grid25 names a known toy mixture.',
  flags: [
    { name: 'real', type: 'string', meta: 'R', required: true,
      description: 'real samples, saved statistics, or a mixture name' },
    { name: 'fake', type: 'string', meta: 'F', required: true,
      description: 'generated samples' },
    { name: 'metrics', type: 'list', meta: 'LIST', choices: METRICS,
      description: 'metrics to compute [default: fid,kid,prdc,dup, ' +
        'plus modes for a mixture]' },
    { name: 'features', type: 'string', meta: 'SPEC', default: 'raw',
      description: 'feature extractor: raw, mnist or inception:PATH' },
    { name: 'save-stats', type: 'string', meta: 'FILE.npz',
      description: 'save the real FID statistics (mu, sigma) for reuse' },
    { name: 'kid-subsets', type: 'int', default: 100, meta: 'N',
      description: 'KID: number of subsets' },
    { name: 'kid-subset-size', type: 'int', default: 1000, meta: 'N',
      description: 'KID: samples per subset' },
    { name: 'seed', type: 'int', default: 0, meta: 'N',
      description: 'seed of subsets, projections and mixture samples' },
  ],
  async run(args: ParsedArgs, io: CliIO): Promise<number> {
    const f = args.flags;
    const where = 'modescope eval';
    const rng = new Rng(f.seed as number);
    const realArg = f.real as string;
    const mixture: Mixture | undefined = isMixtureName(realArg)
      ? getMixture(realArg)
      : undefined;
    const metrics = (f.metrics as string[] | undefined) ??
      ['fid', 'kid', 'prdc', 'dup', ...(mixture ? ['modes'] : [])];
    const fakeSet = loadSamples(f.fake as string, '--fake');
    if (fakeSet.kind !== 'samples') {
      throw new UserError(`${where}: --fake must be samples, but got saved statistics`);
    }
    const fake = await extract(f.features as string, fakeSet);
    let real: Matrix | undefined;
    let realStats: FidStats | undefined;
    if (mixture) {
      if (fake.shape[1] !== 2) {
        throw new UserError(
          `${where}: --fake must be 2-D points [N, 2] for --real ` +
            `${realArg}, but got [${fake.shape.join(', ')}]`,
        );
      }
      // The reference sample: as many points as the fake set, seeded.
      const n = fake.shape[0];
      real = { data: sampleMixture(mixture, n, rng.fork()), shape: [n, 2] };
    } else {
      const realSet = loadSamples(realArg, '--real');
      if (realSet.kind === 'stats') {
        const d = realSet.mu.length;
        realStats = { mu: realSet.mu, sigma: realSet.sigma, dim: d };
        const others = metrics.filter((m) => m !== 'fid');
        if (others.length > 0) {
          throw new UserError(
            `${where}: --real is saved statistics, which only fid can use, ` +
              `but --metrics asks for ${others.join(',')}`,
            'pass --metrics fid, or the real samples',
          );
        }
      } else {
        real = await extract(f.features as string, realSet);
      }
    }
    const realDim = real ? real.shape[1] : realStats!.dim;
    if (realDim !== fake.shape[1] && !(metrics.length === 1 && metrics[0] === 'is')) {
      throw new UserError(
        `${where}: --fake must have the dimension of --real (${realDim}), ` +
          `but got ${fake.shape[1]}`,
        'compute both with the same --features and image size',
      );
    }

    const out: Record<string, unknown> = {};
    const warnings: string[] = [];
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
      // With raw features the fake rows are class probabilities.
      const r = inceptionScore(fake);
      out.is = { mean: r.mean, std: r.std };
      warnings.push(...r.warnings);
    }
    if (metrics.includes('modes')) {
      if (!mixture) {
        throw new UserError(
          `${where}: --metrics modes needs known modes: --real ring8 or ` +
            `grid25, but got "${realArg}"`,
        );
      }
      const m = modeStats(fake.data, mixture);
      out.modes = { covered: m.covered, total: m.total,
        highQuality: m.highQuality, kl: m.kl };
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
    for (const [k, x] of Object.entries(out)) io.out(`${k.padEnd(14)}${fmt(x)}\n`);
    return 0;
  },
};
