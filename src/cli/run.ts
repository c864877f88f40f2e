// Parses a `gatehouse` command line, runs the command and maps every error to one line
// and an exit code: 0 done, 1 refused or failed (e.g. the user exists), 2 bad command line
// or invalid configuration. Never a stack trace.
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/load.js';
import { AppError } from '../errors.js';
import { processOutput, UsageError, type Output } from './output.js';
import type { Command, OptionValues } from './command.js';
import { userAdd } from './user-add.js';
import { appRegister } from './app-register.js';
import { keysRotate } from './keys-rotate.js';
import { keysRemove } from './keys-remove.js';
import { userTotpStatus, userTotpReset, userUnlock } from './user-totp.js';
import { userDisable, userEnable } from './user-active.js';
import { userSetPassword } from './user-set-password.js';

const COMMANDS: Command[] = [userAdd, userTotpStatus, userTotpReset, userUnlock, userSetPassword, userDisable, userEnable, appRegister, keysRotate, keysRemove];

const GLOBAL_HELP = [
  '--config PATH          gatehouse.toml to read (also GATEHOUSE_CONFIG; default ./gatehouse.toml if present)',
  '-h, --help             show help',
];

export function helpText(command?: Command): string {
  if (command) {
    return [
      `Usage: gatehouse ${command.words}${command.positionals.map((p) => ` ${p}`).join('')} [options]`,
      '',
      command.summary,
      '',
      'Options:',
      ...[...command.optionHelp, ...GLOBAL_HELP].map((line) => `  ${line}`),
    ].join('\n');
  }
  const width = Math.max(...COMMANDS.map((c) => `${c.words}${c.positionals.map((p) => ` ${p}`).join('')}`.length)) + 2;
  return [
    'Usage: gatehouse <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${`${c.words}${c.positionals.map((p) => ` ${p}`).join('')}`.padEnd(width)}${c.summary}`),
    '',
    'Options for every command:',
    ...GLOBAL_HELP.map((line) => `  ${line}`),
    '',
    'The CLI reads the same configuration as the server (gatehouse.toml, GATEHOUSE_* variables,',
    'DATABASE_URL, GATEHOUSE_DATA_DIR) and opens the same store; on a fresh store it runs the',
    'migrations and the first-start bootstrap. Run `gatehouse <command> --help` for its options.',
  ].join('\n');
}

export interface RunOptions {
  out?: Output;
  /** The environment the configuration is read from (default process.env). */
  env?: Record<string, string | undefined>;
}

/** Runs one command line; returns the exit code. */
export async function runCli(argv: string[], options: RunOptions = {}): Promise<number> {
  const out = options.out ?? processOutput;
  try {
    const words = commandWords(argv);
    const wantsHelp = argv.includes('--help') || argv.includes('-h') || words[0] === 'help';
    if (argv.length === 0) {
      out.note(helpText());
      return 2;
    }
    const group = COMMANDS.filter((c) => c.words.split(' ')[0] === words[0]);
    const command = group.find((c) => c.words === words.join(' '));
    if (!command) {
      if (wantsHelp && (words.length === 0 || words[0] === 'help')) {
        out.print(helpText());
        return 0;
      }
      if (!words.length) throw new UsageError(`missing command (see gatehouse --help)`);
      if (group.length) throw new UsageError(`unknown command "${words.join(' ')}": try ${group.map((c) => `"${c.words}"`).join(', ')}`);
      throw new UsageError(`unknown command "${words[0]}" (see gatehouse --help)`);
    }
    if (wantsHelp) {
      out.print(helpText(command));
      return 0;
    }
    const { values, positionals } = parse(command, argv);
    await command.check?.(values, positionals);
    // Loaded only now, so that help and usage errors answer without loading the store drivers.
    const { openContext } = await import('./context.js');
    const ctx = await openContext(argv, out, options.env ?? process.env);
    try {
      await command.run(ctx, values, positionals, out);
    } finally {
      await ctx.close();
    }
    return 0;
  } catch (err) {
    return report(err, out);
  }
}

/** The leading words of the command line ('user', 'add'), skipping `--config PATH`. */
function commandWords(argv: string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const arg = argv[i]!;
    if (arg === '--config') i++;
    else if (arg.startsWith('--config=') || arg === '--help' || arg === '-h') continue;
    else if (arg.startsWith('-')) break;
    else words.push(arg);
  }
  return words;
}

function parse(command: Command, argv: string[]): { values: OptionValues; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...command.options, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    // Drop the command words themselves (they come first among the positionals).
    return { values: values as OptionValues, positionals: positionals.slice(command.words.split(' ').length) };
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS_')) {
      // Node's messages carry a hint about `--`; the first sentence is what matters.
      const first = (err as Error).message.split(/\.\s/)[0]!.replace(/\.$/, '');
      // A value that begins with '-' (a kid made before kids were hex, a password) is read
      // as an option; after `--` it is an argument.
      const hint = command.positionals.length ? `; an argument that begins with "-" goes after "--": gatehouse ${command.words} -- -…` : '';
      throw new UsageError(`${first} (see gatehouse ${command.words} --help${hint})`);
    }
    throw err;
  }
}

function report(err: unknown, out: Output): number {
  if (err instanceof UsageError) {
    out.note(`gatehouse: ${err.message}`);
    return 2;
  }
  if (err instanceof ConfigError) {
    for (const problem of err.problems) out.note(`gatehouse: invalid configuration: ${problem}`);
    return 2;
  }
  if (err instanceof AppError) {
    out.note(`gatehouse: ${err.message}`);
    return 1;
  }
  const message = err instanceof Error ? err.message : String(err);
  out.note(`gatehouse: failed: ${message.split('\n')[0]}`);
  return 1;
}
