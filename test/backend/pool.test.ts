// The native backend's output pool (src/backend/native/backend.ts): freed
// outputs are reused, and never while something outside may still see
// them (an array the user read, a view a CPU kernel made).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/runtime/tf.js';
import { startNative } from './_helpers.js';

const ok = await startNative();
const skip = () => (ok ? false : 'native addon not built');

const valuesOf = (t: tf.Tensor) =>
  (tf.backend() as unknown as {
    data: { get(id: object): { values: unknown } };
  }).data.get(t.dataId as object).values;

/** Runs native ops that produce outputs of `n` floats, to reuse buffers. */
function churn(n: number) {
  for (let i = 0; i < 8; ++i) {
    tf.tidy(() => tf.add(tf.fill([n], 7 + i), tf.fill([n], 1)));
  }
}

test('pool: a freed native output is reused by the next of its size',
  { skip: skip() }, () => {
    const a = tf.fill([4096], 1);
    const t = tf.add(a, a);
    const buf = valuesOf(t);
    t.dispose();
    const u = tf.add(a, a);
    assert.equal(valuesOf(u), buf);
    assert.equal(u.dataSync()[0], 2);
    tf.dispose([a, u]);
  });

test('pool: an array read with dataSync stays intact after dispose',
  { skip: skip() }, () => {
    const a = tf.fill([4096], 1);
    const t = tf.add(a, a);
    const arr = t.dataSync();
    t.dispose();
    churn(4096);
    assert.ok(arr.every((v) => v === 2));
    a.dispose();
  });

test('pool: a slice (a view of its input) outlives the input intact',
  { skip: skip() }, () => {
    const a = tf.fill([64, 64], 1);
    const t = tf.add(a, a);
    const s = tf.slice(t, [0, 0], [8, 64]);
    t.dispose();
    churn(4096);
    assert.ok(Array.from(s.dataSync()).every((v) => v === 2));
    tf.dispose([a, s]);
  });

test('pool: a training-style loop keeps a bounded number of tensors',
  { skip: skip() }, () => {
    const w = tf.variable(tf.randomNormal([32, 32], 0, 0.1, 'float32', 1));
    const x = tf.randomNormal([64, 32], 0, 1, 'float32', 2);
    const step = () => tf.tidy(() => {
      const g = tf.grad((v: tf.Tensor) =>
        tf.sum(tf.relu(tf.matMul(x, v))))(w);
      w.assign(tf.sub(w, tf.mul(g, 1e-3)));
    });
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; ++i) step();
    assert.equal(tf.memory().numTensors, before);
    assert.ok(Number.isFinite(tf.sum(w).dataSync()[0]!));
    tf.dispose([w, x]);
  });
