import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.js';

test('normalArray gives the values of as many normal() calls, whatever ' +
  'the parity of n and of the draws before it', () => {
  for (const skip of [0, 1, 2, 3]) {
    for (const n of [0, 1, 2, 5, 64, 513]) {
      const a = new Rng(42 + skip);
      const b = new Rng(42 + skip);
      for (let i = 0; i < skip; ++i) {
        a.normal();
        b.normal();
      }
      const fast = a.normalArray(n, 0.5, 2);
      const slow = Float32Array.from({ length: n }, () => 0.5 + 2 * b.normal());
      assert.deepEqual(fast, slow, `skip ${skip}, n ${n}`);
      // And the generators continue in step (the spare included).
      assert.equal(a.normal(), b.normal());
      assert.deepEqual(a.getState(), b.getState());
    }
  }
});
