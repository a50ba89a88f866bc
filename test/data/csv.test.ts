// CSV parsing: delimiters, headers and the errors for malformed files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseCsv, readCsv } from '../../src/io/csv.js';

test('parseCsv comma with header [2,3]', () => {
  const m = parseCsv('x,y,z\n1,2,3\n4.5,-6e-1,.5\n', 'f');
  assert.deepEqual(m.shape, [2, 3]);
  assert.deepEqual(m.header, ['x', 'y', 'z']);
  assert.deepEqual(Array.from(m.data), [1, 2, 3, 4.5, Math.fround(-0.6), 0.5]);
});

test('parseCsv no header, CRLF, blank lines, quotes [2,2]', () => {
  const m = parseCsv('"1", 2\r\n\r\n3,4\r\n', 'f');
  assert.deepEqual(m.shape, [2, 2]);
  assert.equal(m.header, undefined);
  assert.deepEqual(Array.from(m.data), [1, 2, 3, 4]);
});

test('parseCsv semicolons with decimal commas, tabs [2,2]', () => {
  const a = parseCsv('a;b\n1,5;2\n-3;4,25\n', 'f');
  assert.deepEqual(Array.from(a.data), [1.5, 2, -3, 4.25]);
  const b = parseCsv('1\t2\n3\t4\n', 'f');
  assert.deepEqual(b.shape, [2, 2]);
});

test('parseCsv one column [3,1]', () => {
  assert.deepEqual(parseCsv('1\n2\n3', 'f').shape, [3, 1]);
});

test('parseCsv rejects non-numbers, ragged rows and empty files', () => {
  assert.throws(() => parseCsv('x,y\n1,2\n3,abc\n', 'f.csv'), {
    message: 'f.csv: line 3, column 2 must be a finite number, but got "abc"',
  });
  assert.throws(() => parseCsv('1,2\n3,\n', 'f.csv'), {
    message: 'f.csv: line 2, column 2 must be a finite number, but got ""',
  });
  assert.throws(() => parseCsv('1,NaN\n', 'f.csv'), {
    message: 'f.csv: line 1, column 2 must be a finite number, but got "NaN"',
  });
  assert.throws(() => parseCsv('1,2\n3,4,5\n', 'f.csv'), {
    message: 'f.csv: line 2 must have 2 columns like line 1, but got 3',
  });
  assert.throws(() => parseCsv('\n\n', 'f.csv'), {
    message: 'f.csv: the file must hold rows of numbers, but it is empty',
  });
  assert.throws(() => parseCsv('a,b\n', 'f.csv'), {
    message: 'f.csv: the file must hold rows of numbers, but it has only ' +
      'a header',
  });
});

test('readCsv names the file; missing file is a UserError', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modescope-csv-'));
  const f = path.join(dir, 'v.csv');
  fs.writeFileSync(f, '1,2\nx,4\n');
  assert.throws(() => readCsv(f, '--data'), {
    message: `--data (${f}): line 2, column 1 must be a finite number, ` +
      'but got "x"',
  });
  assert.throws(() => readCsv(path.join(dir, 'no.csv'), '--data'), {
    message: `--data: cannot read "${path.join(dir, 'no.csv')}": no such file`,
  });
  fs.rmSync(dir, { recursive: true });
});
