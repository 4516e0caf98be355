import type * as ohm from 'ohm-js';
import { makeDate, makeDateTime, makeTime } from './dates.js';
import { pvlGrammar } from './grammar.js';
import type { PvlBlock, PvlInteger, PvlReal, PvlStatement, PvlString, PvlValue } from './model.js';

/**
 * The semantics of pvl.ohm: a successful match → model statements (model.ts).
 *
 * Three operations: `statement` (statements and blocks), `value` (values), `blockName` (a block's name).
 * A few checks the grammar cannot express (digits valid in their radix, the name after END_OBJECT)
 * report through `SemanticContext.fail`, which throws a located PvlSyntaxError.
 */
export interface SemanticContext {
  /** 1-based source line of an offset in the matched text. */
  lineAt(offset: number): number;
  /** Throw a located syntax error at an offset in the matched text. */
  fail(offset: number, reason: string): never;
}

type Node = ohm.Node;

// The context of the match being converted: conversion is synchronous, so one at a time.
let context: SemanticContext | undefined;

/** Convert a successful match of `Module` into statements. */
export function toStatements(match: ohm.MatchResult, ctx: SemanticContext): PvlStatement[] {
  context = ctx;
  try {
    return semantics()(match).statements() as PvlStatement[];
  } finally {
    context = undefined;
  }
}

const ctx = (): SemanticContext => context as SemanticContext;

// Python's str.strip()/split() set for PVL white space: runs fold to one space in quoted strings.
const WHITE_RUN = /[ \t\n\r\v\f]+/g;
const foldWhite = (text: string): string => text.replace(WHITE_RUN, ' ').replace(/^ | $/g, '');
const trimWhite = (text: string): string => text.replace(/^[ \t\n\r\v\f]+|[ \t\n\r\v\f]+$/g, '');

const str = (value: string, quoted: boolean): PvlString => ({ type: 'string', value, quoted });

let built: ohm.Semantics | undefined;

function semantics(): ohm.Semantics {
  if (built) return built;
  const s = pvlGrammar().createSemantics();

  s.addOperation<PvlStatement[]>('statements', {
    Module(statements: Node, _end: Node) {
      return statements.children.map((st) => st.statement());
    },
  });

  s.addOperation<PvlStatement>('statement', {
    Statement(statement: Node, _semicolon: Node) {
      return statement.statement();
    },
    Block(_reservedWord: Node, block: Node) {
      return block.statement();
    },
    ObjectBlock(_begin: Node, _eq: Node, name: Node, _semicolon: Node, statements: Node, end: Node) {
      return block('object', this, name, statements, end);
    },
    GroupBlock(_begin: Node, _eq: Node, name: Node, _semicolon: Node, statements: Node, end: Node) {
      return block('group', this, name, statements, end);
    },
    Assignment(name: Node, _eq: Node, value: Node) {
      return {
        type: 'assignment',
        name: name.sourceString,
        line: ctx().lineAt(this.source.startIdx),
        value: value.numChildren === 0 ? { type: 'empty' } : (value.child(0).value() as PvlValue),
      };
    },
    bareKeyword(name: Node, _space: Node, _lineEnd: Node) {
      return { type: 'assignment', name: name.sourceString, line: ctx().lineAt(this.source.startIdx), value: { type: 'empty' } };
    },
  });

  s.addOperation<string>('blockName', {
    BlockName(name: Node) {
      return name.ctorName === 'quotedString' ? (name.value() as PvlString).value : name.sourceString;
    },
    EndLabel(_eq: Node, name: Node) {
      return name.blockName();
    },
  });

  s.addOperation<PvlValue>('value', {
    Value(item: Node, units: Node) {
      return withUnits(item.value(), units);
    },
    Element(item: Node, units: Node) {
      return withUnits(item.value(), units);
    },
    Sequence(_open: Node, items: Node, _close: Node) {
      return { type: 'sequence', items: items.asIteration().children.map((item) => item.value()) };
    },
    Set(_open: Node, items: Node, _close: Node) {
      return { type: 'set', items: items.asIteration().children.map((item) => item.value()) };
    },
    quotedString_double(_open: Node, chars: Node, _close: Node) {
      return str(foldWhite(chars.sourceString), true);
    },
    quotedString_single(_open: Node, chars: Node, _close: Node) {
      return str(foldWhite(chars.sourceString), true);
    },
    symbol(_chars: Node, _end: Node) {
      return str(this.sourceString, false);
    },
    wordSymbol(_word: Node) {
      return str(this.sourceString, false);
    },
    basedInteger(_first: Node, based: Node) {
      return based.value();
    },
    numberOrDate(_first: Node, token: Node) {
      return token.value();
    },
    numberToken: (x: Node, _end: Node) => x.value(),
    dateTimeToken: (x: Node, _end: Node) => x.value(),
    dateToken: (x: Node, _end: Node) => x.value(),
    timeToken: (x: Node, _end: Node) => x.value(),
    booleanToken: (x: Node, _end: Node) => x.value(),
    nullToken: (x: Node, _end: Node) => x.value(),
    integer(_sign: Node, _digits: Node) {
      return integer(this.sourceString);
    },
    basedForm_signFirst(sign: Node, radix: Node, _open: Node, digits: Node, _close: Node) {
      return based(sign.sourceString, radix.sourceString, digits, this.sourceString);
    },
    basedForm_signInside(radix: Node, _open: Node, sign: Node, digits: Node, _close: Node) {
      return based(sign.sourceString, radix.sourceString, digits, this.sourceString);
    },
    real(_alternative: Node) {
      return { type: 'real', value: Number(this.sourceString), text: this.sourceString } satisfies PvlReal;
    },
    dateTime(_date: Node, _t: Node, _time: Node) {
      return makeDateTime(this.sourceString) ?? str(this.sourceString, false);
    },
    date(_alternative: Node) {
      return makeDate(this.sourceString) ?? str(this.sourceString, false);
    },
    time(_h: Node, _c: Node, _m: Node, _c2: Node, _s: Node, _zone: Node) {
      return makeTime(this.sourceString) ?? str(this.sourceString, false);
    },
    boolean(_word: Node) {
      return { type: 'boolean', value: this.sourceString.toUpperCase() === 'TRUE' };
    },
    null(_word: Node) {
      return { type: 'null' };
    },
  });

  built = s;
  return s;
}

function block(type: 'object' | 'group', node: Node, name: Node, statements: Node, end: Node): PvlBlock {
  const blockName: string = name.blockName();
  // EndObject / EndGroup: the end word, then an optional `= NAME` that must repeat the block's name.
  // (Or nothing: END closes the block.)
  const label = end.ctorName === 'EndStatement' ? undefined : end.child(1);
  if (label && label.numChildren > 0) {
    const endName: string = label.child(0).blockName();
    if (endName.toLowerCase() !== blockName.toLowerCase()) {
      const at = label.child(0).child(1).source.startIdx;
      ctx().fail(at, `expected the block's name '${blockName}' after END_${type.toUpperCase()} =, found '${endName}'`);
    }
  }
  return {
    type,
    name: blockName,
    line: ctx().lineAt(node.source.startIdx),
    statements: statements.children.map((st) => st.statement()),
  };
}

function withUnits(value: PvlValue, units: Node): PvlValue {
  if (units.numChildren === 0) return value;
  // units = "<" unitsText ">"
  return { type: 'quantity', value, units: trimWhite(units.child(0).child(1).sourceString) };
}

function integer(text: string): PvlInteger {
  const exact = BigInt(text);
  return { type: 'integer', value: Number(exact), decimal: exact.toString() };
}

const DIGIT_VALUES = '0123456789abcdef';

function based(sign: string, radixText: string, digits: Node, text: string): PvlInteger {
  const radix = Number(radixText);
  const lower = digits.sourceString.toLowerCase();
  let exact = 0n;
  for (let i = 0; i < lower.length; i += 1) {
    const d = DIGIT_VALUES.indexOf(lower[i]);
    if (d < 0 || d >= radix) {
      ctx().fail(digits.source.startIdx + i, `'${digits.sourceString[i]}' is not a digit in base ${radix} (in ${text})`);
    }
    exact = exact * BigInt(radix) + BigInt(d);
  }
  if (sign === '-') exact = -exact;
  return { type: 'integer', value: Number(exact), decimal: exact.toString() };
}
