/**
 * The `modescope` command: dispatches to a subcommand, prints user errors
 * as one clear message (exit code 2) and anything else with its stack
 * (exit code 1).
 */
import { COMMANDS } from './commands/index.js';
import { helpText, parseArgs, type CliIO } from './framework.js';
import { UserError } from '../util/errors.js';

function topHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length)) + 4;
  return [
    'modescope: make mode collapse in GANs visible, measurable, explainable',
    'and fixable.',
    '',
    'Usage: modescope <command> [flags]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}${c.summary}`),
    '',
    'Run `modescope <command> --help` for a command\'s flags.',
    '',
  ].join('\n');
}

export function defaultIO(): CliIO {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    isTTY: Boolean(process.stderr.isTTY),
  };
}

export async function run(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(topHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    const { createRequire } = await import('node:module');
    const pkg = createRequire(import.meta.url)('../../../package.json') as {
      version: string;
    };
    io.out(`${pkg.version}\n`);
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  try {
    if (!cmd) {
      throw new UserError(
        `unknown command "${name}"`,
        `the commands are ${COMMANDS.map((c) => c.name).join(', ')}`,
      );
    }
    const args = parseArgs(cmd, rest);
    if (args.flags.help) {
      io.out(helpText(cmd));
      return 0;
    }
    return await cmd.run(args, io);
  } catch (e) {
    if (e instanceof UserError) {
      io.err(`error: ${e.message}\n`);
      return 2;
    }
    io.err(`modescope: internal error (please report it):\n`);
    io.err(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}
