/**
 * Node module-resolution hook for tfjs-core's ES-module files.
 *
 * tfjs-core ships its gradient definitions only as ES modules whose relative
 * imports omit the `.js` extension, which Node's ESM loader rejects. This
 * hook appends the extension for relative imports made from inside
 * `@tensorflow/tfjs-core/dist/`, nothing else. The engine and the kernel and
 * gradient registries live on the global object, so the ESM copy that these
 * files load shares them with the CommonJS copy the rest of the code uses.
 */
interface ResolveContext {
  parentURL?: string;
}
type NextResolve = (specifier: string, context: ResolveContext) => unknown;

export async function resolve(
  specifier: string,
  context: ResolveContext,
  next: NextResolve,
): Promise<unknown> {
  const parent = context.parentURL ?? '';
  const relative = specifier.startsWith('./') || specifier.startsWith('../');
  if (
    relative &&
    parent.includes('/@tensorflow/tfjs-core/dist/') &&
    !specifier.endsWith('.js')
  ) {
    return next(`${specifier}.js`, context);
  }
  return next(specifier, context);
}
