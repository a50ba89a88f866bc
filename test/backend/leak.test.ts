// A long training run on modescope-native leaks neither tensors (tf.js's
// count stays flat) nor native memory (RSS stays bounded once warm).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { tf } from '../../src/runtime/tf.js';
import { GanBench } from '../../bench/speed/gan.js';
import { startNative } from './_helpers.js';

const ok = await startNative();

test('T1 GAN, 300 steps on modescope-native: tensor count flat, RSS ' +
  'bounded', { skip: ok ? false : 'native addon not built' }, () => {
  // A full collection before each reading, so that RSS measures what is
  // still referenced (the output pool makes collections rare otherwise).
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const bench = new GanBench('T1', 1);
  // Warm up until the heap and malloc's arenas reach their working size
  // (collections are rare with the output pool, and glibc keeps freed
  // memory, so RSS is a high-water mark).
  for (let i = 0; i < 200; ++i) bench.step();
  bench.sync();
  const tensors = tf.memory().numTensors;
  gc();
  const rss0 = process.memoryUsage().rss;
  for (let i = 0; i < 300; ++i) bench.step();
  bench.sync();
  gc();
  const rss1 = process.memoryUsage().rss;
  assert.equal(tf.memory().numTensors, tensors, 'tensor count after 300 steps');
  // 300 steps allocate ~1.5 GB of outputs in total; a leak of even one
  // output per step would add > 40 MB.
  const grewMb = (rss1 - rss0) / 2 ** 20;
  assert.ok(grewMb < 40, `RSS grew by ${grewMb.toFixed(1)} MB`);
  bench.dispose();
});
