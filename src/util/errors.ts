/**
 * Errors caused by what a user passed in (a flag, a file, an option).
 *
 * The CLI prints `error: <message>` for these and exits with code 2, without
 * a stack trace; any other error is a bug and keeps its stack. Messages follow
 * one grammar: `<where>: <argument> must be <expected>, but got <received>`,
 * then the fix when there is one.
 */
export class UserError extends Error {
  override name = 'UserError';
  constructor(message: string, readonly hint?: string) {
    super(hint ? `${message}\n  hint: ${hint}` : message);
  }
}

/** A value of the wrong kind (a string where a number was expected). */
export class UserTypeError extends UserError {
  override name = 'UserTypeError';
}

/** A value of the right kind outside its allowed range or size. */
export class UserRangeError extends UserError {
  override name = 'UserRangeError';
}

/** Throws a UserRangeError unless `cond` holds. */
export function check(
  cond: boolean,
  where: string,
  what: string,
  expected: string,
  received: unknown,
): asserts cond {
  if (!cond) {
    throw new UserRangeError(
      `${where}: ${what} must be ${expected}, but got ${describe(received)}`,
    );
  }
}

/** A short, printable rendering of a received value for error messages. */
export function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(describe).join(', ')}]`;
  if (v === undefined) return 'nothing';
  return String(v);
}
