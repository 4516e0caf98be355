import { readFile } from 'node:fs/promises';
import type { CommandModule } from 'yargs';
import type { CanonicalModule, PvlDocument } from '../../pvl/index.js';
import { EXIT } from '../exit-codes.js';

export interface PvlArgs {
  files: string[];
  get?: string;
  ndjson?: boolean;
}

/** Where `stacflow pvl` reads and writes (the process's streams; tests give their own). */
export interface PvlIo {
  stdin: AsyncIterable<Uint8Array | string>;
  out(text: string): void;
  err(text: string): void;
}

/**
 * `stacflow pvl FILE...`: parse PVL labels (ISIS caminfo and cube labels, PDS3) and print them.
 *
 *     stacflow pvl x.caminfo.pvl                 canonical JSON, one statement a line (the pvl-corpus layout)
 *     stacflow pvl a.pvl b.pvl   (or --ndjson)   one line a file: {"file": "a.pvl", "module": [...]}
 *     stacflow pvl --get Caminfo.Geometry.IncidenceAngle x.pvl      one value: 62.64846899183
 *     cat x.pvl | stacflow pvl -                 `-` reads stdin
 *
 * `--get` prints numbers as numbers, strings raw, true/false/null, a value with units as `value <units>`
 * (PVL's own notation; `PATH@units` prints the units alone), sequences and blocks as one line of JSON.
 * With several files each value line is `FILE<TAB>value`; with --ndjson `{"file", "value"}`.
 * Exit codes: 0 every file read; 1 a file could not be read, is not PVL (the parser's file:line:col message
 * and a caret on stderr) or has nothing at the --get path (bad input, not bad usage: the other files are
 * still printed); 2 usage errors.
 */
export const pvlCommand: CommandModule<object, PvlArgs> = {
  command: 'pvl <files..>',
  describe: 'parse PVL labels (ISIS, PDS3) and print their canonical JSON, or one value with --get (- reads stdin)',
  builder: (yargs) =>
    yargs
      .positional('files', { type: 'string', array: true, demandOption: true, describe: 'label files; - reads stdin' })
      .option('get', { type: 'string', describe: 'print the value at a path such as Caminfo.Geometry.IncidenceAngle (names ignore case; @units for units)' })
      .option('ndjson', { type: 'boolean', describe: 'one JSON line a file, even for one file' }),
  handler: async (args) => {
    process.exitCode = await runPvl(args, {
      stdin: process.stdin,
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
    });
  },
};

/**
 * yargs drops a lone `-` from positionals (yargs/yargs#1312, yargs-parser#381), so `stacflow pvl -` would
 * read nothing: the CLI swaps it for this stand-in before parsing (a NUL cannot come from a shell).
 */
export const STDIN_ARG = '\u0000stdin';

/** `argv` with each lone `-` after the `pvl` command replaced by STDIN_ARG; other command lines unchanged. */
export function keepStdinDash(argv: readonly string[]): string[] {
  const command = argv.findIndex((arg) => !arg.startsWith('-'));
  if (command < 0 || argv[command] !== 'pvl') return [...argv];
  return argv.map((arg, i) => (i > command && arg === '-' ? STDIN_ARG : arg));
}

/** The command's work; returns the exit code. */
export async function runPvl(args: PvlArgs, io: PvlIo): Promise<number> {
  // The parser (ohm-js and its grammar) is loaded when a label is read, not for every command line.
  const { decodePvlBytes, parsePvl, PvlSyntaxError } = await import('../../pvl/index.js');
  const files = args.files.map(String);
  const lines = args.ndjson === true || files.length > 1;
  let code: number = EXIT.done;
  for (const file of files) {
    const stdin = file === '-' || file === STDIN_ARG;
    const name = stdin ? '<stdin>' : file;
    let doc: PvlDocument;
    try {
      const bytes = stdin ? await readAll(io.stdin) : await readFile(file);
      doc = parsePvl(decodePvlBytes(bytes).text, { source: name });
    } catch (err) {
      io.err(err instanceof PvlSyntaxError ? `${err.message}\n` : `stacflow pvl: cannot read ${name}: ${messageOf(err)}\n`);
      code = EXIT.aborted;
      continue;
    }
    if (args.get === undefined) {
      io.out(lines ? `${JSON.stringify({ file: name, ...doc.toCanonical() })}\n` : formatCanonical(doc.toCanonical()));
      continue;
    }
    const found = valueAt(doc, args.get);
    if (found === undefined) {
      io.err(`${name}: nothing at ${args.get}\n`);
      code = EXIT.aborted;
    } else if (args.ndjson === true) {
      io.out(`${JSON.stringify({ file: name, value: found })}\n`);
    } else {
      io.out(`${files.length > 1 ? `${name}\t` : ''}${formatValue(found)}\n`);
    }
  }
  return code;
}

/** The value at `path` as `PvlDocument.get` gives it; `path@units` gives the units of a value with units. */
function valueAt(doc: PvlDocument, path: string): unknown {
  const units = path.endsWith('@units');
  const value = doc.get(units ? path.slice(0, -'@units'.length) : path);
  if (!units) return value;
  return isQuantity(value) ? value.units : undefined;
}

const isQuantity = (value: unknown): value is { value: unknown; units: string } =>
  value !== null && typeof value === 'object' && 'units' in value && 'value' in value && !('get' in value);

/** One value for a shell: strings raw, numbers and true/false/null as JSON, `value <units>`, else JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (isQuantity(value)) return `${formatValue(value.value)} <${value.units}>`;
  return JSON.stringify(value);
}

/**
 * Canonical JSON with one statement a line and blocks indented one space a level, as the pvl-corpus's
 * expected files are written (so outputs diff against them line by line).
 */
export function formatCanonical(canonical: CanonicalModule): string {
  const out: string[] = ['{"module": ['];
  const statements = (list: CanonicalModule['module'], depth: number): void => {
    list.forEach(([name, value], i) => {
      const indent = ' '.repeat(depth);
      const comma = i < list.length - 1 ? ',' : '';
      const block = blockOf(value);
      if (block === undefined || block.statements.length === 0) {
        out.push(`${indent}${spaced([name, value])}${comma}`);
        return;
      }
      out.push(`${indent}[${JSON.stringify(name)}, {"${block.kind}": [`);
      statements(block.statements, depth + 1);
      out.push(`${indent}]}]${comma}`);
    });
  };
  statements(canonical.module, 1);
  out.push(']}');
  return `${out.join('\n')}\n`;
}

function blockOf(value: unknown): { kind: 'object' | 'group'; statements: CanonicalModule['module'] } | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  if ('object' in value) return { kind: 'object', statements: value.object as CanonicalModule['module'] };
  if ('group' in value) return { kind: 'group', statements: value.group as CanonicalModule['module'] };
  return undefined;
}

/** JSON with Python's separators (`, ` and `: `), as the corpus writes it. */
function spaced(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(spaced).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${spaced(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

/** An error's message (fs errors are not always `instanceof Error` across realms). */
const messageOf = (err: unknown): string =>
  typeof (err as { message?: unknown })?.message === 'string' ? (err as { message: string }).message : String(err);

async function readAll(stream: AsyncIterable<Uint8Array | string>): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}
