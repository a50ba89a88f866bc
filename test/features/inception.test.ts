// The FID Inception against PyTorch on the same weights: a width-1/16
// random-weight checkpoint of pytorch-fid's topology, and the outputs
// PyTorch 1.13 computed for it (scripts/fixtures/features_inception.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readNpz, type NpyArray } from '../../src/io/npy.js';
import { initRuntime, PACKAGE_ROOT } from '../../src/runtime/tf.js';
import { loadInception } from '../../src/features/inception.js';
import type { Images, Matrix } from '../../src/features/types.js';

const DIR = path.join(PACKAGE_ROOT, 'test/fixtures/features');
const IO = readNpz(path.join(DIR, 'inception-w16-io.npz'));
const TOL = 1e-4;

function images(a: NpyArray): Images {
  const data = Float32Array.from(a.data as Uint8Array, (v) => v / 255);
  return { data, shape: a.shape as [number, number, number, number] };
}

function close(name: string, got: Matrix, want: NpyArray): number {
  assert.deepEqual([got.rows, got.cols], want.shape, `${name}: shape`);
  let worst = 0;
  for (let i = 0; i < got.data.length; i++) {
    const e = want.data[i] as number;
    const d = Math.abs(got.data[i]! - e);
    worst = Math.max(worst, d);
    if (!(d <= TOL)) {
      assert.fail(`${name}[${i}]: got ${got.data[i]}, expected ${e} (PyTorch)`);
    }
  }
  return worst;
}

for (const kind of ['zip', 'legacy']) {
  test(`inception w16 ${kind}: [2,17,23,3] up and [1,307,301,3] down ` +
    `match PyTorch to 1e-4`, async () => {
    await initRuntime();
    const model = await loadInception(
      path.join(DIR, `inception-w16-${kind}.pt`),
    );
    assert.equal(model.poolDim, 128);
    assert.equal(model.numClasses, 1008);
    for (const set of ['a', 'b']) {
      const out = await model.features(images(IO[`${set}_images`]!), {
        batchSize: 1,
      });
      const worst = Math.max(
        close(`${set} pool3`, out.pool3, IO[`${set}_pool3`]!),
        close(`${set} logits`, out.logits, IO[`${set}_logits`]!),
        close(`${set} unbiased`, out.logitsUnbiased,
          IO[`${set}_logits_unbiased`]!),
      );
      console.log(`# ${kind} ${set}: max |error| ${worst.toExponential(2)}`);
    }
    model.dispose();
  });
}
