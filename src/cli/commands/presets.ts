/** `modescope presets`: lists the presets with their sources. */
import type { Command, CliIO, ParsedArgs } from '../framework.js';
import { PRESETS, presetConfig } from '../../gan/presets.js';

export const presetsCommand: Command = {
  name: 'presets',
  summary: 'list the remedy and cause presets, with their sources',
  flags: [],
  async run(args: ParsedArgs, io: CliIO): Promise<number> {
    if (args.flags.json) {
      io.out(`${JSON.stringify(PRESETS.map((p) => ({
        name: p.name,
        role: p.role,
        summary: p.summary,
        source: p.source,
        toy: presetConfig(p.name, 'toy', 'ring8'),
        image: presetConfig(p.name, 'image', 'mnist'),
      })), null, 2)}\n`);
      return 0;
    }
    for (const role of ['baseline', 'remedy', 'cause'] as const) {
      io.out(`${role === 'cause' ? 'Causes of collapse' : role === 'remedy' ? 'Remedies' : 'Baseline'}:\n`);
      for (const p of PRESETS.filter((x) => x.role === role)) {
        io.out(`  ${p.name.padEnd(20)}${p.summary}\n${' '.repeat(22)}source: ${p.source}\n`);
      }
      io.out('\n');
    }
    return 0;
  },
};
