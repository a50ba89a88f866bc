// The torch.save reader against checkpoints written by PyTorch 1.13
// (scripts/fixtures/features_torch.py); the expected values are PyTorch's
// own tensor.tolist() dump of the same objects (torch-expected.json).
import { test } from 'node:test';
import { unzipSync, zipSync } from 'fflate';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  isTorchTensor,
  parseTorch,
  readStateDict,
  type TorchTensor,
} from '../../src/io/torch.js';
import { PACKAGE_ROOT } from '../../src/runtime/tf.js';
import { unpickle } from '../../src/io/pickle.js';

const DIR = path.join(PACKAGE_ROOT, 'test/fixtures/features');
const EXPECTED = JSON.parse(
  fs.readFileSync(path.join(DIR, 'torch-expected.json'), 'utf8'),
) as Record<string, { dtype: string; shape: number[]; data: unknown[] }>;

function compare(name: string, t: TorchTensor): void {
  const e = EXPECTED[name]!;
  assert.ok(e, `${name}: no expected value`);
  assert.deepEqual(t.shape, e.shape, `${name}: shape`);
  const want = e.dtype === 'float16' ? 'float16' : e.dtype;
  assert.equal(t.dtype, want, `${name}: dtype`);
  assert.equal(t.data.length, e.data.length, `${name}: length`);
  for (let i = 0; i < e.data.length; i++) {
    const got = t.data[i]!;
    const exp = e.data[i]!;
    if (t.dtype === 'int64') {
      assert.equal(got, BigInt(exp as string), `${name}[${i}]`);
    } else if (t.dtype === 'float32') {
      // float32 round trip through a double: exact.
      assert.equal(got, Math.fround(exp as number), `${name}[${i}]`);
    } else {
      assert.equal(got, exp, `${name}[${i}]: got ${got}, expected ${exp}`);
    }
  }
}

for (const kind of ['zip', 'legacy'] as const) {
  const file = path.join(DIR, `torch-${kind}.pt`);

  test(`torch ${kind}: every dtype, view and nesting matches PyTorch`, () => {
    const obj = parseTorch(fs.readFileSync(file), file);
    assert.ok(obj instanceof Map);
    const names: string[] = [];
    for (const [k, v] of obj as Map<string, unknown>) {
      if (v instanceof Map) {
        for (const [k2, v2] of v) {
          assert.ok(isTorchTensor(v2));
          compare(`${k}.${k2}`, v2);
          names.push(`${k}.${k2}`);
        }
      } else {
        assert.ok(isTorchTensor(v), `${k} is a tensor`);
        compare(k, v);
        names.push(k);
      }
    }
    assert.deepEqual(names.sort(), Object.keys(EXPECTED).sort());
  });

  test(`torch ${kind}: transposed [6,4] and offset slice [2,3] views`, () => {
    const sd = readStateDict(file);
    const base = sd.get('base')!.data as Float32Array;
    const t = sd.get('transposed')!.data as Float32Array;
    const s = sd.get('slice')!.data as Float32Array;
    // base is [4, 6]; transposed[i][j] = base[j][i]; slice = base[1:3, 2:5].
    assert.equal(t[1 * 4 + 3], base[3 * 6 + 1]);
    assert.equal(s[1 * 3 + 2], base[2 * 6 + 4]);
    assert.deepEqual(
      [...sd.keys()].filter((k) => k.startsWith('module.')),
      ['module.weight', 'module.bias'],
    );
  });
}

test('torch legacy: truncated inside the storage data -> error', () => {
  const buf = fs.readFileSync(path.join(DIR, 'torch-legacy.pt'));
  assert.throws(() => parseTorch(buf.subarray(0, buf.length - 10), 'x.pt'), {
    message:
      `x.pt: the checkpoint is truncated (storage data ends early at byte ` +
      `${buf.length - 10})\n  hint: check that the file was copied whole`,
  });
});

test('torch legacy: truncated inside the object pickle -> error', () => {
  const buf = fs.readFileSync(path.join(DIR, 'torch-legacy.pt'));
  assert.throws(() => parseTorch(buf.subarray(0, 400), 'x.pt'), {
    message:
      'x.pt: not a readable pickle (truncated at byte 400)\n' +
      '  hint: check that the file was copied whole and is a PyTorch ' +
      'checkpoint',
  });
});

test('torch zip: truncated archive -> error', () => {
  const buf = fs.readFileSync(path.join(DIR, 'torch-zip.pt'));
  assert.throws(() => parseTorch(buf.subarray(0, 2000), 'x.pt'), {
    message: new RegExp(
      '^x\\.pt: the zip archive is corrupt \\(.+\\)\\n' +
        '  hint: check that the file was copied whole$',
    ),
  });
});

test('torch: a file that is neither zip nor pickle -> error', () => {
  const buf = new TextEncoder().encode('hello, not a checkpoint');
  assert.throws(() => parseTorch(buf, 'x.pt'), {
    message:
      'x.pt: not a PyTorch checkpoint (neither a zip archive nor a ' +
      'pickle)\n  hint: pass a file written by torch.save',
  });
});

test('torch: a plain pickle without the magic number -> error', () => {
  // pickle.dumps(7, protocol=2)
  const buf = Uint8Array.from([0x80, 0x02, 0x4b, 0x07, 0x2e]);
  assert.throws(() => parseTorch(buf, 'x.pt'), {
    message:
      "x.pt: not a PyTorch checkpoint (a pickle without torch's magic " +
      'number)\n  hint: pass a file written by torch.save',
  });
});

test('torch: missing file -> error naming it', () => {
  assert.throws(() => readStateDict('/nonexistent/w.pth'), {
    message: '/nonexistent/w.pth: cannot read the file (ENOENT)',
  });
});

test('torch zip: a storage file shorter than its tensor needs -> error', () => {
  const files = unzipSync(fs.readFileSync(path.join(DIR, 'torch-zip.pt')));
  files['torch-zip/data/0'] = files['torch-zip/data/0']!.subarray(0, 50);
  const buf = zipSync(files, { level: 0 });
  assert.throws(() => parseTorch(buf, 'x.pt'), {
    message: 'x.pt: storage 0 must hold 96 bytes, but got 50\n' +
      '  hint: check that the file was copied whole',
  });
});

test('pickle: an unknown opcode -> error naming it and its byte', () => {
  const buf = Uint8Array.from([0x80, 0x02, 0xff]);
  assert.throws(() => unpickle(buf, 0, { where: 'x.pt' }), {
    message: 'x.pt: not a readable pickle (unsupported opcode 0xff at byte ' +
      '2)\n  hint: check that the file was copied whole and is a PyTorch ' +
      'checkpoint',
  });
});

test('pickle: protocol-3 dict of tuple with int, long, float, bytes, ' +
  'None, bool, str decodes', () => {
  // pickle.dumps({'a': (1, -2**70, 1.5, b'xy', None, True, 'é')}, 3)
  const hex =
    '80037d71005801000000617101284b018a090000000000000000c0473ff800000000' +
    '00004302787971024e885802000000c3a97103747104732e';
  const buf = Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
  const { value, end } = unpickle(buf, 0, { where: 'x' });
  assert.equal(end, buf.length);
  assert.deepEqual(
    value,
    new Map([['a', [1, -(2n ** 70n), 1.5, Uint8Array.from([0x78, 0x79]),
      null, true, 'é']]]),
  );
});
