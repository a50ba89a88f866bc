/**
 * A small declarative CLI layer: each command declares its flags once, as
 * data, and that list drives parsing, validation and `--help`.
 *
 * Errors in flags are UserErrors that quote the flag and the value received.
 */
import { UserError } from '../util/errors.js';

export type FlagType = 'string' | 'number' | 'int' | 'boolean' | 'list';

export interface FlagSpec {
  /** Long name without dashes, e.g. `steps` for `--steps`. */
  name: string;
  type: FlagType;
  description: string;
  /** Shown in --help and used when the flag is absent. */
  default?: string | number | boolean | string[];
  /** Allowed values, for string and list flags. */
  choices?: readonly string[];
  /** Placeholder shown in --help, e.g. `N` or `DIR`. */
  meta?: string;
  required?: boolean;
}

export type FlagValue = string | number | boolean | string[] | undefined;
export type ParsedFlags = Record<string, FlagValue>;

export interface ParsedArgs {
  flags: ParsedFlags;
  /** Names of flags the user actually gave (not defaults). */
  given: Set<string>;
  positionals: string[];
}

/** Where a command writes; tests capture these. */
export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** True when stderr is a terminal (progress bars), false for plain lines. */
  isTTY: boolean;
}

export interface Command {
  name: string;
  summary: string;
  /** Extra usage text shown under the summary in --help. */
  usage?: string;
  flags: FlagSpec[];
  /** Accepts flags it does not declare (e.g. preset overrides). */
  allowUnknown?: boolean;
  run(args: ParsedArgs, io: CliIO): Promise<number>;
}

/** Flags every command has. */
export const COMMON_FLAGS: FlagSpec[] = [
  { name: 'help', type: 'boolean', description: 'show this help' },
  {
    name: 'json',
    type: 'boolean',
    description: 'print one JSON object instead of text',
  },
  {
    name: 'verbose',
    type: 'boolean',
    description: 'show more detail (backend choice, timings)',
  },
];

function convert(spec: FlagSpec, raw: string, where: string): FlagValue {
  const flag = `--${spec.name}`;
  switch (spec.type) {
    case 'number': {
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(v)) {
        throw new UserError(
          `${where}: ${flag} must be a number, but got "${raw}"`,
        );
      }
      return v;
    }
    case 'int': {
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isInteger(v)) {
        throw new UserError(
          `${where}: ${flag} must be an integer, but got "${raw}"`,
        );
      }
      return v;
    }
    case 'boolean': {
      if (['true', '1', 'yes', ''].includes(raw)) return true;
      if (['false', '0', 'no'].includes(raw)) return false;
      throw new UserError(
        `${where}: ${flag} must be true or false, but got "${raw}"`,
      );
    }
    case 'list': {
      const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
      if (spec.choices) {
        for (const it of items) {
          if (!spec.choices.includes(it)) {
            throw new UserError(
              `${where}: ${flag} items must be among ` +
                `${spec.choices.join(', ')}, but got "${it}"`,
            );
          }
        }
      }
      return items;
    }
    case 'string': {
      if (spec.choices && !spec.choices.includes(raw)) {
        throw new UserError(
          `${where}: ${flag} must be one of ${spec.choices.join(', ')}, ` +
            `but got "${raw}"`,
        );
      }
      return raw;
    }
  }
}

/**
 * Parses `--name value`, `--name=value`, boolean `--name` and `--no-name`.
 * Unknown flags are an error unless the command allows them; then they are
 * returned as strings under their own name.
 */
export function parseArgs(cmd: Command, argv: string[]): ParsedArgs {
  const where = `modescope ${cmd.name}`;
  const specs = new Map<string, FlagSpec>();
  for (const s of [...COMMON_FLAGS, ...cmd.flags]) specs.set(s.name, s);
  const flags: ParsedFlags = {};
  const given = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      positionals.push(a);
      continue;
    }
    let name = a.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    let spec = specs.get(name);
    if (!spec && name.startsWith('no-') && value === undefined) {
      const base = specs.get(name.slice(3));
      if (base?.type === 'boolean') {
        flags[base.name] = false;
        given.add(base.name);
        continue;
      }
    }
    if (!spec) {
      if (!cmd.allowUnknown) {
        throw new UserError(
          `${where}: unknown flag "--${name}"`,
          `see \`modescope ${cmd.name} --help\` for the flags it takes`,
        );
      }
      spec = { name, type: 'string', description: '' };
    }
    if (value === undefined) {
      if (spec.type === 'boolean') {
        const next = argv[i + 1];
        value = next !== undefined && /^(true|false)$/.test(next)
          ? argv[++i]!
          : 'true';
      } else {
        const next = argv[i + 1];
        if (next === undefined || (next.startsWith('--') && next.length > 2)) {
          throw new UserError(`${where}: --${name} needs a value`);
        }
        value = argv[++i]!;
      }
    }
    flags[spec.name] = convert(spec, value, where);
    given.add(spec.name);
  }
  for (const s of specs.values()) {
    if (!(s.name in flags) && s.default !== undefined) {
      flags[s.name] = s.default;
    }
  }
  if (!flags.help) {
    for (const s of cmd.flags) {
      if (s.required && flags[s.name] === undefined) {
        throw new UserError(
          `${where}: --${s.name} is required`,
          `see \`modescope ${cmd.name} --help\``,
        );
      }
    }
  }
  return { flags, given, positionals };
}

/** The --help text of a command, generated from its flag list. */
export function helpText(cmd: Command): string {
  const lines = [`modescope ${cmd.name}: ${cmd.summary}`, ''];
  if (cmd.usage) lines.push(cmd.usage.trimEnd(), '');
  lines.push('Flags:');
  const rows = [...cmd.flags, ...COMMON_FLAGS].map((s) => {
    const meta = s.type === 'boolean' ? '' : ` ${s.meta ?? s.type.toUpperCase()}`;
    const left = `  --${s.name}${meta}`;
    let right = s.description;
    if (s.choices) right += ` (${s.choices.join('|')})`;
    if (s.required) right += ' [required]';
    else if (s.default !== undefined && s.default !== false) {
      right += ` [default: ${Array.isArray(s.default) ? s.default.join(',') : s.default}]`;
    }
    return [left, right] as const;
  });
  const w = Math.min(34, Math.max(...rows.map(([l]) => l.length)) + 2);
  for (const [l, r] of rows) {
    lines.push(l.length >= w ? `${l}\n${' '.repeat(w)}${r}` : l.padEnd(w) + r);
  }
  return lines.join('\n') + '\n';
}
