// IDX parsing, MNIST / Fashion-MNIST loading and Stacked MNIST structure.
// Known values: MNIST's first training labels are 5 0 4 1 9 2 1 3 1 4 and
// its first test labels 7 2 1 0 4 1 4 9 5 9 (the files' published order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIdx } from '../../src/data/idx.js';
import {
  drawStackedIndices,
  loadFashionMnist,
  loadMnist,
  parseClothesJson,
  stackImages,
  stackedLabels,
  stackedMode,
} from '../../src/data/mnist.js';
import { Rng } from '../../src/util/rng.js';

/** An IDX file: header for `shape` with type code `type`, then `body`. */
function idx(type: number, shape: number[], body: number[]): Uint8Array {
  const head = [0, 0, type, shape.length];
  for (const d of shape) head.push(d >>> 24, (d >>> 16) & 255, (d >>> 8) & 255,
    d & 255);
  return Uint8Array.from([...head, ...body]);
}

test('parseIdx uint8 [2,2,3] -> view of the bytes', () => {
  const a = parseIdx(idx(0x08, [2, 2, 3], [...Array(12).keys()]), 't');
  assert.deepEqual(a.shape, [2, 2, 3]);
  assert.ok(a.data instanceof Uint8Array);
  assert.deepEqual(Array.from(a.data), [...Array(12).keys()]);
});

test('parseIdx int16 big-endian [2] -> float32 [-2, 258]', () => {
  const a = parseIdx(idx(0x0b, [2], [0xff, 0xfe, 0x01, 0x02]), 't');
  assert.deepEqual(Array.from(a.data), [-2, 258]);
});

test('parseIdx rejects bad magic, type and truncation', () => {
  assert.throws(() => parseIdx(Uint8Array.of(1, 0, 8, 1), 'f'), {
    message: 'f: not a valid IDX file (the first two bytes must be 0)',
  });
  assert.throws(() => parseIdx(Uint8Array.of(0, 0, 7, 1), 'f'), {
    message: 'f: not a valid IDX file (unknown type code 0x7)',
  });
  assert.throws(() => parseIdx(idx(0x08, [2, 3], [1, 2, 3]), 'f'), {
    message: 'f: not a valid IDX file (truncated: shape [2, 3] needs 18 ' +
      'bytes, but the file has 15)',
  });
});

test('loadMnist train [60000,28,28] and test [10000,28,28], known labels',
  () => {
    const tr = loadMnist('train');
    assert.equal(tr.images.length, 60000 * 784);
    assert.equal(tr.labels.length, 60000);
    assert.deepEqual(Array.from(tr.labels.subarray(0, 10)),
      [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    const te = loadMnist('test');
    assert.equal(te.images.length, 10000 * 784);
    assert.deepEqual(Array.from(te.labels.subarray(0, 10)),
      [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    assert.equal(loadMnist('train'), tr, 'cached');
  });

test('parseClothesJson [2,784] skips empty rows, rejects bad rows', () => {
  const row = (v: number) => `[${new Array(784).fill(v).join(',')}]`;
  const text = `{"data":[${row(1)},[],${row(255)}]}`;
  const a = parseClothesJson(new TextEncoder().encode(text), 'f');
  assert.equal(a.length, 2 * 784);
  assert.equal(a[0], 1);
  assert.equal(a[784], 255);
  assert.throws(
    () => parseClothesJson(new TextEncoder().encode('{"data":[[1,2]]}'), 'f'),
    { message: 'f: unexpected content (row 0 has 2 values, not 784)' },
  );
  assert.throws(
    () => parseClothesJson(new TextEncoder().encode('{"data":[[1,-2]]}'),
      'f'),
    { message: 'f: unexpected content (byte "-" at 12)' },
  );
});

test('loadFashionMnist train [60000] / test [10000], 6000 / 1000 a class',
  () => {
    const tr = loadFashionMnist('train');
    const te = loadFashionMnist('test');
    assert.equal(tr.labels.length, 60000);
    assert.equal(te.labels.length, 10000);
    assert.equal(tr.images.length, 60000 * 784);
    const per = new Array<number>(10).fill(0);
    for (const l of tr.labels) per[l]!++;
    assert.deepEqual(per, new Array(10).fill(6000));
  });

test('stacked MNIST [4000,3] triples cover the 1000 modes evenly', () => {
  const { labels } = loadMnist('train');
  assert.equal(stackedMode(3, 0, 7), 307);
  const idx = drawStackedIndices(new Rng(2), 40000, labels.length);
  const modes = stackedLabels(idx, labels);
  for (let i = 0; i < 5; i++) {
    assert.equal(modes[i], 100 * labels[idx[3 * i]!]! +
      10 * labels[idx[3 * i + 1]!]! + labels[idx[3 * i + 2]!]!);
  }
  const seen = new Set(modes);
  // 40 draws a mode on average: P(some mode unseen) < 1000 e^-40 ~ 0.
  assert.equal(seen.size, 1000);
});

test('stackImages [2,28,28,3]: channel c is source image c in [-1,1]', () => {
  const { images } = loadMnist('train');
  const idx = Int32Array.of(0, 1, 2, 5, 5, 9);
  const x = stackImages(images, idx);
  assert.equal(x.length, 2 * 784 * 3);
  for (let i = 0; i < 2; i++) {
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < 784; p += 37) {
        const want = images[idx[3 * i + c]! * 784 + p]! / 127.5 - 1;
        const got = x[(i * 784 + p) * 3 + c]!;
        assert.ok(Math.abs(got - want) < 1e-6,
          `image ${i} channel ${c} pixel ${p}: ${got} vs ${want}`);
      }
    }
  }
});
