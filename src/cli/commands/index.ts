/** Every `modescope` subcommand, in the order --help lists them. */
import type { Command } from '../framework.js';
import { demoCommand } from './demo.js';
import { evalCommand } from './eval.js';
import { presetsCommand } from './presets.js';
import { trainCommand } from './train.js';

export const COMMANDS: Command[] = [
  demoCommand, trainCommand, evalCommand, presetsCommand,
];
