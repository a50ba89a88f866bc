/** Shared helper of the eval CLI tests: runs the CLI in-process. */
import { run } from '../../src/cli/main.js';

/** Runs `modescope argv...`; returns the exit code and captured streams. */
export async function cli(
  argv: string[],
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(argv, {
    out: (t) => { out += t; },
    err: (t) => { err += t; },
    isTTY: false,
  });
  return { code, out, err };
}
