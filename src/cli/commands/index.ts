/** Every `modescope` subcommand, in the order --help lists them. */
import type { Command } from '../framework.js';

export const COMMANDS: Command[] = [];
