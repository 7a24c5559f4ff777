/**
 * The part of Argo Rollouts' condition language (expr-lang) that the generated
 * AnalysisTemplates use: numbers, `result`, indexing, len(), isNaN(), isInf(),
 * !, comparisons, && and ||, parentheses. Anything else is refused, so a
 * template that starts using more fails the drill instead of being misread.
 * @see https://argo-rollouts.readthedocs.io/en/stable/features/analysis/#success-and-failure-conditions
 */

type Value = number | boolean | readonly number[];
type Token = { readonly kind: 'num' | 'id' | 'op'; readonly text: string };

const OPERATORS = ['&&', '||', '>=', '<=', '==', '!=', '>', '<', '!', '(', ')', '[', ']', ','];

export class ExprError extends Error {}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const rest = source.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) { i += space[0].length; continue; }
    const num = /^\d+(\.\d+)?([eE][-+]?\d+)?/.exec(rest);
    if (num) { tokens.push({ kind: 'num', text: num[0] }); i += num[0].length; continue; }
    const id = /^[A-Za-z_]\w*/.exec(rest);
    if (id) { tokens.push({ kind: 'id', text: id[0] }); i += id[0].length; continue; }
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (op === undefined) throw new ExprError(`unexpected '${rest[0]}' at ${i} in: ${source}`);
    tokens.push({ kind: 'op', text: op });
    i += op.length;
  }
  return tokens;
}

type Node =
  | { readonly type: 'num'; readonly value: number }
  | { readonly type: 'result' }
  | { readonly type: 'call'; readonly name: string; readonly arg: Node }
  | { readonly type: 'index'; readonly target: Node; readonly index: Node }
  | { readonly type: 'not'; readonly operand: Node }
  | { readonly type: 'binary'; readonly op: string; readonly left: Node; readonly right: Node };

const FUNCTIONS: Readonly<Record<string, (arg: Value) => Value>> = {
  len: (v) => { if (!Array.isArray(v)) throw new ExprError('len() needs a list'); return v.length; },
  isNaN: (v) => { if (typeof v !== 'number') throw new ExprError('isNaN() needs a number'); return Number.isNaN(v); },
  isInf: (v) => { if (typeof v !== 'number') throw new ExprError('isInf() needs a number'); return !Number.isFinite(v) && !Number.isNaN(v); },
};

const PRECEDENCE: Readonly<Record<string, number>> = { '||': 1, '&&': 2, '==': 3, '!=': 3, '>': 4, '<': 4, '>=': 4, '<=': 4 };

/** Parses a condition; throws ExprError for anything outside the supported subset. */
export function parse(source: string): Node {
  const tokens = tokenize(source);
  let pos = 0;
  const expect = (text: string) => {
    if (tokens[pos]?.text !== text) throw new ExprError(`expected '${text}' at token ${pos} in: ${source}`);
    pos++;
  };
  const postfix = (node: Node): Node => {
    while (tokens[pos]?.text === '[') {
      pos++;
      const index = binary(0);
      expect(']');
      node = { type: 'index', target: node, index };
    }
    return node;
  };
  const primary = (): Node => {
    const token = tokens[pos++];
    if (token === undefined) throw new ExprError(`unexpected end of: ${source}`);
    if (token.kind === 'num') return { type: 'num', value: Number(token.text) };
    if (token.text === '!') return { type: 'not', operand: primary() };
    if (token.text === '(') { const node = binary(0); expect(')'); return postfix(node); }
    if (token.text === 'result') return postfix({ type: 'result' });
    if (token.kind === 'id' && token.text in FUNCTIONS) {
      expect('(');
      const arg = binary(0);
      expect(')');
      return postfix({ type: 'call', name: token.text, arg });
    }
    throw new ExprError(`unsupported '${token.text}' in: ${source}`);
  };
  const binary = (minPrecedence: number): Node => {
    let left = primary();
    for (;;) {
      const op = tokens[pos]?.text;
      const precedence = op === undefined ? undefined : PRECEDENCE[op];
      if (op === undefined || precedence === undefined || precedence < minPrecedence) return left;
      pos++;
      left = { type: 'binary', op, left, right: binary(precedence + 1) };
    }
  };
  const node = binary(0);
  if (pos !== tokens.length) throw new ExprError(`unexpected '${tokens[pos].text}' in: ${source}`);
  return node;
}

function evaluateNode(node: Node, result: readonly number[]): Value {
  switch (node.type) {
    case 'num': return node.value;
    case 'result': return result;
    case 'call': return FUNCTIONS[node.name](evaluateNode(node.arg, result));
    case 'not': return !truthy(evaluateNode(node.operand, result));
    case 'index': {
      const target = evaluateNode(node.target, result);
      const index = evaluateNode(node.index, result);
      if (!Array.isArray(target) || typeof index !== 'number') throw new ExprError('only lists can be indexed, by numbers');
      if (index < 0 || index >= target.length) throw new ExprError(`index out of range: ${index} (len ${target.length})`);
      return target[index];
    }
    case 'binary': {
      // Short-circuit, as expr-lang does: `len(result) > 0 && result[0] > 1` never indexes an empty list.
      if (node.op === '&&') return truthy(evaluateNode(node.left, result)) && truthy(evaluateNode(node.right, result));
      if (node.op === '||') return truthy(evaluateNode(node.left, result)) || truthy(evaluateNode(node.right, result));
      return compare(node.op, evaluateNode(node.left, result), evaluateNode(node.right, result));
    }
  }
}

/** Evaluates a condition with `result` bound to the measurement's values. */
export function evaluate(source: string, result: readonly number[]): boolean {
  const value = evaluateNode(parse(source), result);
  if (typeof value !== 'boolean') throw new ExprError(`condition is not a boolean: ${source}`);
  return value;
}

function truthy(value: Value): boolean {
  if (typeof value !== 'boolean') throw new ExprError('&&, || and ! need booleans');
  return value;
}

function compare(op: string, left: Value, right: Value): boolean {
  if (typeof left !== 'number' || typeof right !== 'number') throw new ExprError(`'${op}' needs numbers`);
  switch (op) {
    case '>': return left > right;
    case '<': return left < right;
    case '>=': return left >= right;
    case '<=': return left <= right;
    case '==': return left === right;
    default: return left !== right;
  }
}
