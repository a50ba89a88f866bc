// GAN losses against PyTorch autograd (test/fixtures/nn/losses.npz, from
// scripts/fixtures/nn_fixtures.py, written with F.logsigmoid in float64):
// D and G loss values and their gradients, on logits that include +-25 and
// +-30, where a naive log(sigmoid) saturates in float32.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initRuntime, tf } from '../../src/runtime/tf.js';
import {
  discriminatorLoss,
  generatorLoss,
  type LossKind,
} from '../../src/gan/losses.js';
import { assertClose, fixture } from '../nn/_helpers.js';

before(async () => {
  await initRuntime('cpu');
});

const CASES: [string, LossKind, { a: number; b: number; c: number }?][] = [
  ['minimax', 'minimax'],
  ['ns', 'ns'],
  ['lsgan', 'lsgan'],
  ['lsgan2', 'lsgan', { a: -1, b: 1, c: 0 }],
  ['wgan', 'wgan'],
  ['hinge', 'hinge'],
];

for (const [tag, kind, abc] of CASES) {
  const label = abc ? `${kind} (a,b,c)=(${abc.a},${abc.b},${abc.c})` : kind;
  test(`${label} D and G loss, r [7] f [5] -> PyTorch, with grads`, () => {
    const f = fixture('losses.npz');
    const r = f.t('r');
    const fk = f.t('f');
    const opts = abc ? { lsgan: abc } : {};
    const d = discriminatorLoss(kind, r, fk, opts);
    assert.deepEqual(d.shape, []);
    assertClose(d, f.arr(`${tag}_d`), 'D loss');
    const gd = tf.grads((rr, ff) => discriminatorLoss(kind, rr!, ff!, opts))([
      r,
      fk,
    ]);
    assertClose(gd[0]!, f.t(`${tag}_gdr`), 'dD/dr');
    assertClose(gd[1]!, f.t(`${tag}_gdf`), 'dD/df');
    const g = generatorLoss(kind, fk, opts);
    assertClose(g, f.arr(`${tag}_g`), 'G loss');
    const gg = tf.grad((ff: tf.Tensor) => generatorLoss(kind, ff, opts))(fk);
    assertClose(gg, f.t(`${tag}_ggf`), 'dG/df');
  });
}

test('losses on [n,1] logits equal those on [n]', () => {
  const r = tf.tensor1d([0.3, -1.2, 2]);
  const fk = tf.tensor1d([-0.5, 0.7]);
  for (const [, kind] of CASES) {
    const a = discriminatorLoss(kind, r, fk).dataSync()[0]!;
    const b = discriminatorLoss(kind, tf.reshape(r, [3, 1]),
      tf.reshape(fk, [2, 1])).dataSync()[0]!;
    assert.equal(a, b, kind);
  }
});

test('unknown loss kind -> error', () => {
  const x = tf.ones([2]);
  assert.throws(
    () => discriminatorLoss('bce' as LossKind, x, x),
    {
      message:
        'discriminatorLoss: kind must be one of "minimax", "ns", "lsgan", ' +
        '"wgan", "hinge", but got "bce"',
    },
  );
});
