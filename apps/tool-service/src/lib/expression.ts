/**
 * A safe arithmetic evaluator: a tokenizer and a recursive-descent parser that evaluates as it parses. No
 * eval, no Function, no property access: only numbers, operators, parentheses and a fixed function table.
 *
 * Grammar (lowest precedence first):
 *   expression := term (("+" | "-") term)*
 *   term       := unary (("*" | "/" | "%") unary)*
 *   unary      := ("-" | "+") unary | power
 *   power      := primary ("^" unary)?          right-associative: 2^3^2 = 2^9; -2^2 = -(2^2) = -4
 *   primary    := number | constant | function "(" expression ("," expression)* ")" | "(" expression ")"
 * Numbers: 12, 3.5, .5, 1e3, 2.5E-2. Constants: pi, e. Functions: sqrt abs round floor ceil (1 argument),
 * min max (1 or more).
 */
export class ExpressionError extends Error {
  override readonly name = "ExpressionError";
}

type Token =
  | { kind: "number"; value: number; pos: number }
  | { kind: "op"; value: "+" | "-" | "*" | "/" | "%" | "^" | "(" | ")" | ","; pos: number }
  | { kind: "name"; value: string; pos: number }
  | { kind: "end"; pos: number };

const MAX_LENGTH = 1000;
const MAX_DEPTH = 64;

const functions: Record<string, { arity: [number, number]; fn: (...args: number[]) => number }> = {
  sqrt: {
    arity: [1, 1],
    fn: (x) => {
      if (x < 0) throw new ExpressionError("sqrt of a negative number");
      return Math.sqrt(x);
    },
  },
  abs: { arity: [1, 1], fn: Math.abs },
  round: { arity: [1, 1], fn: Math.round },
  floor: { arity: [1, 1], fn: Math.floor },
  ceil: { arity: [1, 1], fn: Math.ceil },
  min: { arity: [1, Infinity], fn: Math.min },
  max: { arity: [1, Infinity], fn: Math.max },
};
const constants: Record<string, number> = { pi: Math.PI, e: Math.E };

export function tokenize(input: string): Token[] {
  if (input.length > MAX_LENGTH) throw new ExpressionError(`expression longer than ${MAX_LENGTH} characters`);
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const number = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(input.slice(i));
    if (number) {
      tokens.push({ kind: "number", value: Number(number[0]), pos: i });
      i += number[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(input.slice(i));
    if (name) {
      tokens.push({ kind: "name", value: name[0].toLowerCase(), pos: i });
      i += name[0].length;
      continue;
    }
    if ("+-*/%^(),".includes(ch)) {
      tokens.push({ kind: "op", value: ch as "+", pos: i });
      i++;
      continue;
    }
    if (ch === "×") {
      tokens.push({ kind: "op", value: "*", pos: i++ });
      continue;
    }
    if (ch === "÷") {
      tokens.push({ kind: "op", value: "/", pos: i++ });
      continue;
    }
    throw new ExpressionError(`unexpected character "${ch}" at position ${i + 1}`);
  }
  tokens.push({ kind: "end", pos: input.length });
  return tokens;
}

/** Evaluates `input`; throws ExpressionError for bad input, division by zero or a non-finite result. */
export function evaluate(input: string): number {
  const parser = new Parser(tokenize(input));
  if (parser.peek().kind === "end") throw new ExpressionError("empty expression");
  const value = parser.expression(0);
  const rest = parser.peek();
  if (rest.kind !== "end")
    throw new ExpressionError(`unexpected ${describe(rest)} at position ${rest.pos + 1}`);
  if (!Number.isFinite(value)) throw new ExpressionError("result is not a finite number");
  // 15 significant digits hide binary noise (0.1 + 0.2 → 0.3) without losing real precision.
  return Number(value.toPrecision(15));
}

function describe(token: Token): string {
  if (token.kind === "end") return "end of expression";
  if (token.kind === "number") return `number ${token.value}`;
  return `"${token.value}"`;
}

class Parser {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  peek(): Token {
    return this.tokens[this.index] as Token;
  }
  private next(): Token {
    return this.tokens[this.index++] as Token;
  }
  private isOp(value: string): boolean {
    const t = this.peek();
    return t.kind === "op" && t.value === value;
  }
  private expect(value: string): void {
    const t = this.next();
    if (t.kind !== "op" || t.value !== value)
      throw new ExpressionError(`expected "${value}" but found ${describe(t)} at position ${t.pos + 1}`);
  }

  expression(depth: number): number {
    if (depth > MAX_DEPTH) throw new ExpressionError(`expression nested deeper than ${MAX_DEPTH} levels`);
    let value = this.term(depth);
    while (this.isOp("+") || this.isOp("-")) {
      const op = this.next();
      const right = this.term(depth);
      value = op.kind === "op" && op.value === "+" ? value + right : value - right;
    }
    return value;
  }

  private term(depth: number): number {
    let value = this.unary(depth);
    while (this.isOp("*") || this.isOp("/") || this.isOp("%")) {
      const op = this.next() as Extract<Token, { kind: "op" }>;
      const right = this.unary(depth);
      if ((op.value === "/" || op.value === "%") && right === 0)
        throw new ExpressionError("division by zero");
      value = op.value === "*" ? value * right : op.value === "/" ? value / right : value % right;
    }
    return value;
  }

  private unary(depth: number): number {
    if (depth > MAX_DEPTH) throw new ExpressionError(`expression nested deeper than ${MAX_DEPTH} levels`);
    if (this.isOp("-")) {
      this.next();
      return -this.unary(depth + 1);
    }
    if (this.isOp("+")) {
      this.next();
      return this.unary(depth + 1);
    }
    return this.power(depth);
  }

  private power(depth: number): number {
    const base = this.primary(depth);
    if (!this.isOp("^")) return base;
    this.next();
    const exponent = this.unary(depth + 1);
    return base ** exponent;
  }

  private primary(depth: number): number {
    const t = this.next();
    if (t.kind === "number") return t.value;
    if (t.kind === "op" && t.value === "(") {
      const value = this.expression(depth + 1);
      this.expect(")");
      return value;
    }
    if (t.kind === "name") {
      // Own properties only: `constructor` or `__proto__` are names like any other unknown one.
      if (Object.hasOwn(constants, t.value) && !this.isOp("(")) return constants[t.value] as number;
      const fn = Object.hasOwn(functions, t.value) ? functions[t.value] : undefined;
      if (!fn) throw new ExpressionError(`unknown name "${t.value}" at position ${t.pos + 1}`);
      this.expect("(");
      const args = [this.expression(depth + 1)];
      while (this.isOp(",")) {
        this.next();
        args.push(this.expression(depth + 1));
      }
      this.expect(")");
      const [min, max] = fn.arity;
      if (args.length < min || args.length > max) {
        throw new ExpressionError(
          `${t.value} takes ${min === max ? min : `at least ${min}`} argument${min === 1 && max === 1 ? "" : "s"}`,
        );
      }
      return fn.fn(...args);
    }
    if (t.kind === "end") throw new ExpressionError("unexpected end of expression");
    throw new ExpressionError(`unexpected ${describe(t)} at position ${t.pos + 1}`);
  }
}
