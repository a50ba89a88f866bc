/**
 * A collapse verdict from the computed numbers, with the evidence.
 *
 * Each rule reads one number; a missing number is skipped. The verdict is
 * the worst label any rule gives. Thresholds (documented, tested):
 *
 *   complete  modes covered <= max(1, 10% of total) (with total > 1)
 *             coverage < 0.2, recall < 0.05, duplicates >= 0.5,
 *             pairwise distance ratio < 0.2
 *   partial   modes covered < 90% of total, coverage < 0.75,
 *             recall < 0.5 * precision (with precision >= 0.2),
 *             duplicates >= 0.1, pairwise distance ratio < 0.7
 *   none      otherwise
 *
 * Identical distributions give coverage near 0.97 and recall near
 * precision (Naeem et al. 2020, 1000-d Gaussians), far from the partial
 * thresholds; a generator stuck on one of 8 modes gives coverage near 1/8.
 */

export type VerdictLabel = 'none' | 'partial' | 'complete';

export interface VerdictInput {
  precision?: number;
  recall?: number;
  coverage?: number;
  duplicates?: number;
  pairwiseRatio?: number;
  modes?: { covered: number; total: number };
}

export interface Verdict {
  verdict: VerdictLabel;
  evidence: string[];
}

const RANK: Record<VerdictLabel, number> = { none: 0, partial: 1, complete: 2 };

const f = (x: number) => Number(x.toFixed(3)).toString();

export function collapseVerdict(m: VerdictInput): Verdict {
  let label: VerdictLabel = 'none';
  const evidence: string[] = [];
  const flag = (l: VerdictLabel, why: string) => {
    if (RANK[l] > RANK[label]) label = l;
    evidence.push(`${l}: ${why}`);
  };
  if (m.modes && m.modes.total > 1) {
    const { covered, total } = m.modes;
    if (covered <= Math.max(1, 0.1 * total)) {
      flag('complete', `only ${covered} of ${total} modes covered`);
    } else if (covered < 0.9 * total) {
      flag('partial', `${covered} of ${total} modes covered`);
    }
  }
  if (m.coverage !== undefined) {
    if (m.coverage < 0.2) flag('complete', `coverage ${f(m.coverage)} < 0.2`);
    else if (m.coverage < 0.75) {
      flag('partial', `coverage ${f(m.coverage)} < 0.75`);
    }
  }
  if (m.recall !== undefined) {
    if (m.recall < 0.05) flag('complete', `recall ${f(m.recall)} < 0.05`);
    else if (
      m.precision !== undefined &&
      m.precision >= 0.2 &&
      m.recall < 0.5 * m.precision
    ) {
      flag(
        'partial',
        `recall ${f(m.recall)} is under half the precision ` +
          `${f(m.precision)} (samples are good but not varied)`,
      );
    }
  }
  if (m.duplicates !== undefined) {
    if (m.duplicates >= 0.5) {
      flag('complete', `${f(m.duplicates * 100)}% near-duplicates`);
    } else if (m.duplicates >= 0.1) {
      flag('partial', `${f(m.duplicates * 100)}% near-duplicates`);
    }
  }
  if (m.pairwiseRatio !== undefined && Number.isFinite(m.pairwiseRatio)) {
    const r = m.pairwiseRatio;
    if (r < 0.2) {
      flag('complete', `generated samples are ${f(r)}x as spread as real`);
    } else if (r < 0.7) {
      flag('partial', `generated samples are ${f(r)}x as spread as real`);
    }
  }
  if (evidence.length === 0) {
    evidence.push('none: no collapse signal among the computed metrics');
  }
  return { verdict: label, evidence };
}
