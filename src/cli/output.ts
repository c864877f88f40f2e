// Where the CLI writes: answers on stdout (scriptable), notes and errors on stderr.
export interface Output {
  print(line: string): void;
  note(line: string): void;
}

export const processOutput: Output = {
  print: (line) => { process.stdout.write(`${line}\n`); },
  note: (line) => { process.stderr.write(`${line}\n`); },
};

/** Bad command-line input: exit code 2, one line, no stack trace. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
