// The shape every CLI command shares: its words, its options (node:util parseArgs), its
// help text, and a run function over the same services the HTTP API uses.
import type { ParseArgsConfig } from 'node:util';
import type { CliContext } from './context.js';
import type { Output } from './output.js';

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface Command {
  /** 'user add' */
  words: string;
  /** Positional arguments after the words, for the usage line: '<username>'. */
  positionals: string[];
  summary: string;
  /** One line per option for --help. */
  optionHelp: string[];
  options: NonNullable<ParseArgsConfig['options']>;
  /** Runs before the store is opened: input that is wrong without looking at the store. */
  check?(values: OptionValues, positionals: string[]): void | Promise<void>;
  run(ctx: CliContext, values: OptionValues, positionals: string[], out: Output): Promise<void>;
}

export const TENANT_OPTION = { tenant: { type: 'string' } } as const;
export const TENANT_HELP = '--tenant DOMAIN        tenant to act in (default carbon.super)';
