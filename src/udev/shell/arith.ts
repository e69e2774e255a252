/**
 * Arithmetic expansion `$(( … ))` (XCU 2.6.4) with dash's operators on signed 64-bit integers
 * (intmax_t): unary `+ - ! ~`, `* / %`, `+ -`, `<< >>`, comparisons, `== !=`, `& ^ |`,
 * `&& ||`, `?:`, assignment `= *= /= %= += -= <<= >>= &= ^= |=`, parentheses, decimal/octal/hex
 * constants and variable names (unset or empty = 0). Errors throw ArithError with dash's text.
 */

export class ArithError extends Error {}

export interface ArithVars {
  get(name: string): string | undefined;
  set(name: string, value: string): void;
}

const BINARY: ReadonlyArray<readonly string[]> = [
  ['||'],
  ['&&'],
  ['|'],
  ['^'],
  ['&'],
  ['==', '!='],
  ['<=', '>=', '<', '>'],
  ['<<', '>>'],
  ['+', '-'],
  ['*', '/', '%'],
];

const wrap = (v: bigint): bigint => BigInt.asIntN(64, v);

function parseNumber(text: string): bigint {
  const t = text.trim();
  if (t.length === 0) return 0n;
  if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(t) || /^[+-]?[1-9][0-9]*$/.test(t) || /^[+-]?0[0-7]*$/.test(t)) {
    const neg = t.startsWith('-');
    const body = t.replace(/^[+-]/, '');
    const v =
      body.startsWith('0x') || body.startsWith('0X')
        ? BigInt(body)
        : body.length > 1 && body[0] === '0'
          ? BigInt('0o' + body.slice(1))
          : BigInt(body);
    return wrap(neg ? -v : v);
  }
  throw new ArithError(`Illegal number: ${t}`);
}

/** Evaluate an (already parameter-expanded) arithmetic expression. */
export function evalArith(expr: string, vars: ArithVars): bigint {
  const toks = expr.match(/0[xX][0-9a-fA-F]+|\d+|[A-Za-z_][A-Za-z0-9_]*|<<=|>>=|\*\*|[-+*/%&^|<>!=]=|&&|\|\||<<|>>|[-+*/%&^|<>!=~?:()]|\S/g) ?? [];
  let p = 0;
  const peek = (): string | undefined => toks[p];
  const syntax = (): never => {
    throw new ArithError('arithmetic expression: expecting primary: "' + expr + '"');
  };
  const varValue = (name: string): bigint => parseNumber(vars.get(name) ?? '');

  const primary = (evaluate: boolean): bigint => {
    const t = toks[p++];
    if (t === undefined) return syntax();
    if (t === '(') {
      const v = assignment(evaluate);
      if (toks[p++] !== ')') syntax();
      return v;
    }
    if (t === '-') return wrap(-primary(evaluate));
    if (t === '+') return primary(evaluate);
    if (t === '!') return primary(evaluate) === 0n ? 1n : 0n;
    if (t === '~') return wrap(~primary(evaluate));
    if (/^\d/.test(t)) return parseNumber(t);
    if (/^[A-Za-z_]/.test(t)) return evaluate ? varValue(t) : 0n;
    return syntax();
  };

  const binary = (level: number, evaluate: boolean): bigint => {
    if (level >= BINARY.length) return primary(evaluate);
    let left = binary(level + 1, evaluate);
    for (;;) {
      const op = peek();
      if (op === undefined || !BINARY[level]!.includes(op)) return left;
      p++;
      if (op === '&&' || op === '||') {
        const shortCircuit = op === '&&' ? left === 0n : left !== 0n;
        const right = binary(level + 1, evaluate && !shortCircuit);
        left = shortCircuit ? (op === '||' ? 1n : 0n) : right !== 0n ? 1n : 0n;
        continue;
      }
      const right = binary(level + 1, evaluate);
      left = apply(op, left, right, evaluate);
    }
  };

  const apply = (op: string, a: bigint, b: bigint, evaluate: boolean): bigint => {
    switch (op) {
      case '|':
        return a | b;
      case '^':
        return a ^ b;
      case '&':
        return a & b;
      case '==':
        return a === b ? 1n : 0n;
      case '!=':
        return a !== b ? 1n : 0n;
      case '<=':
        return a <= b ? 1n : 0n;
      case '>=':
        return a >= b ? 1n : 0n;
      case '<':
        return a < b ? 1n : 0n;
      case '>':
        return a > b ? 1n : 0n;
      case '<<':
        return wrap(a << (b & 63n));
      case '>>':
        return a >> (b & 63n);
      case '+':
        return wrap(a + b);
      case '-':
        return wrap(a - b);
      case '*':
        return wrap(a * b);
      case '/':
      case '%':
        if (b === 0n) {
          if (!evaluate) return 0n;
          throw new ArithError('division by zero');
        }
        return wrap(op === '/' ? a / b : a % b);
    }
    return syntax();
  };

  const conditional = (evaluate: boolean): bigint => {
    const c = binary(0, evaluate);
    if (peek() !== '?') return c;
    p++;
    const a = assignment(evaluate && c !== 0n);
    if (toks[p++] !== ':') syntax();
    const b = conditional(evaluate && c === 0n);
    return c !== 0n ? a : b;
  };

  const assignment = (evaluate: boolean): bigint => {
    const name = peek();
    const op = toks[p + 1];
    if (name !== undefined && /^[A-Za-z_]/.test(name) && op !== undefined && /^(?:[-+*/%&^|]|<<|>>)?=$/.test(op) && op !== '==') {
      p += 2;
      const rhs = assignment(evaluate);
      const v = op === '=' ? rhs : apply(op.slice(0, -1), evaluate ? varValue(name) : 0n, rhs, evaluate);
      if (evaluate) vars.set(name, v.toString());
      return v;
    }
    return conditional(evaluate);
  };

  if (toks.length === 0) return 0n;
  const v = assignment(true);
  if (p < toks.length) syntax();
  return v;
}
