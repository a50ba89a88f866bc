// Prints 1 when the dynamic linker knows libblas.so.3 and liblapack.so.3,
// else 0; binding.gyp builds modescope_linalg without BLAS on 0 (an addon
// that exports nothing, so src/linalg uses its JS kernels) rather than
// failing the whole native build.
import { execFileSync } from 'node:child_process';

let out = '';
for (const cmd of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
  try {
    out = execFileSync(cmd, ['-p'], { encoding: 'utf8' });
    break;
  } catch {
    // try the next location
  }
}
const ok = /libblas\.so\.3\b/.test(out) && /liblapack\.so\.3\b/.test(out);
process.stdout.write(ok ? '1' : '0');
