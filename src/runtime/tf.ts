/**
 * The tensor runtime: one place that loads TensorFlow.js, registers the
 * gradients modescope needs, and picks the backend.
 *
 * Backend order, first that works: `tensorflow` (@tensorflow/tfjs-node, when
 * the user has it installed), `modescope-native` (our C++ addon), `wasm`,
 * `cpu`. `--backend` or MODESCOPE_BACKEND forces one. The choice and any
 * fallback reason are returned, never printed: the CLI shows them.
 */
import { createRequire, register } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { UserError } from '../util/errors.js';
import { registerExtraGradients } from './gradients.js';

export { tf };
export type Tensor = tf.Tensor;

export const BACKENDS = ['tensorflow', 'modescope-native', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface RuntimeInfo {
  /** The backend in use. */
  backend: BackendName;
  /** Why each backend tried before it was skipped, in order. */
  skipped: { backend: BackendName; reason: string }[];
}

let gradientsLoaded = false;
let current: RuntimeInfo | null = null;
const require = createRequire(import.meta.url);

/** Loads tfjs-core's gradient definitions (once) and modescope's own. */
export async function loadGradients(): Promise<void> {
  if (gradientsLoaded) return;
  const hook = new URL('./tfjs-resolve-hook.js', import.meta.url);
  register(hook.href, pathToFileURL('./'));
  const file = require.resolve(
    '@tensorflow/tfjs-core/dist/register_all_gradients.js',
  );
  await import(pathToFileURL(file).href);
  registerExtraGradients();
  gradientsLoaded = true;
}

async function tryBackend(name: BackendName): Promise<string | null> {
  try {
    switch (name) {
      case 'tensorflow': {
        // Optional: the user's own install. Its install step downloads a
        // binary, so modescope cannot depend on it.
        const spec = '@tensorflow/tfjs-node';
        await import(spec);
        break;
      }
      case 'modescope-native': {
        // Loaded by name so that a missing or broken addon is a fallback,
        // not a start-up failure.
        const spec = '../backend/native/index.js';
        const mod = (await import(spec)) as {
          registerNativeBackend: () => Promise<string | null>;
        };
        const why = await mod.registerNativeBackend();
        if (why !== null) return why;
        break;
      }
      case 'wasm': {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        const dir = path.dirname(
          require.resolve('@tensorflow/tfjs-backend-wasm/package.json'),
        );
        wasm.setWasmPaths(`${path.join(dir, 'dist')}${path.sep}`);
        // Transposed matmuls are ~10x slower there unless materialised.
        const fast = await import('../backend/wasm_matmul.js');
        fast.installFastWasmMatMul();
        const { registerWasmExtras } = await import('./wasm-kernels.js');
        registerWasmExtras();
        break;
      }
      case 'cpu':
        break;
    }
    const ok = await tf.setBackend(name);
    if (!ok) return `tf.setBackend('${name}') failed`;
    await tf.ready();
    return null;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return msg.split('\n')[0] ?? msg;
  }
}

/**
 * Initialises tf.js once per process and returns the backend in use.
 * `requested` (or MODESCOPE_BACKEND) forces a backend; an unknown name or a
 * forced backend that fails is a UserError.
 */
export async function initRuntime(
  requested?: string,
): Promise<RuntimeInfo> {
  const want = requested ?? process.env.MODESCOPE_BACKEND ?? undefined;
  if (current && (!want || want === current.backend)) return current;
  // Library code never prints: silence tf.js's console hints.
  tf.env().set('PROD', true);
  await loadGradients();
  if (want) {
    if (!(BACKENDS as readonly string[]).includes(want)) {
      throw new UserError(
        `--backend must be one of ${BACKENDS.join(', ')}, but got "${want}"`,
      );
    }
    const why = await tryBackend(want as BackendName);
    if (why !== null) {
      throw new UserError(`backend "${want}" could not start: ${why}`);
    }
    current = { backend: want as BackendName, skipped: [] };
    return current;
  }
  const skipped: RuntimeInfo['skipped'] = [];
  for (const name of BACKENDS) {
    const why = await tryBackend(name);
    if (why === null) {
      current = { backend: name, skipped };
      return current;
    }
    skipped.push({ backend: name, reason: why });
  }
  throw new Error('no tf.js backend could start, not even cpu');
}

/** The runtime chosen by initRuntime, or null before it ran. */
export function runtimeInfo(): RuntimeInfo | null {
  return current;
}

/** Absolute path of the package root (where package.json lives). */
export const PACKAGE_ROOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../..',
);
