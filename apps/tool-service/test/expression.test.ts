import { describe, expect, it } from "vitest";
import { evaluate } from "../src/lib/expression.ts";

describe("calculator expression parser", () => {
  it.each([
    ["1 + 2", 3],
    ["2 + 3 * 4", 14],
    ["(2 + 3) * 4", 20],
    ["10 - 4 - 3", 3],
    ["100 / 10 / 5", 2],
    ["7 % 3", 1],
    ["2 ^ 10", 1024],
    ["2 ^ 3 ^ 2", 512],
    ["-2 ^ 2", -4],
    ["(-2) ^ 2", 4],
    ["2 ^ -1", 0.5],
    ["--3", 3],
    ["-(1 + 2) * 3", -9],
    ["+5", 5],
    ["3.5 * 2", 7],
    [".5 + .25", 0.75],
    ["1e3 + 2.5E-1", 1000.25],
    ["0.1 + 0.2", 0.3],
    ["sqrt(16) + abs(-3)", 7],
    ["min(4, 2, 8) + max(1, 9)", 11],
    ["round(2.5) + floor(2.9) + ceil(2.1)", 8],
    ["2 * pi", 6.28318530717959],
    ["e", 2.71828182845905],
    ["  12  ", 12],
    ["6 × 7 ÷ 2", 21],
  ])("%s = %s", (expression, value) => {
    expect(evaluate(expression)).toBe(value);
  });

  it.each([
    ["1 / 0", "division by zero"],
    ["5 % (2 - 2)", "division by zero"],
    ["", "empty expression"],
    ["   ", "empty expression"],
    ["1 +", "unexpected end of expression"],
    ["(1 + 2", 'expected ")" but found end of expression'],
    ["1 + 2)", 'unexpected ")" at position 6'],
    ["2 ** 3", 'unexpected "*" at position 4'],
    ["1.2.3", "unexpected number 0.3"],
    ["foo(1)", 'unknown name "foo"'],
    ["constructor(1)", 'unknown name "constructor"'],
    ["__proto__(1)", 'unknown name "__proto__"'],
    ["valueOf", 'unknown name "valueof"'],
    ["process.exit(1)", 'unexpected character "." at position 8'],
    ["process", 'unknown name "process"'],
    ["sqrt(-1)", "sqrt of a negative number"],
    ["sqrt(1, 2)", "sqrt takes 1 argument"],
    ["1 & 2", 'unexpected character "&" at position 3'],
    ["10 ^ 400", "result is not a finite number"],
    ["(".repeat(200) + "1" + ")".repeat(200), "nested deeper than"],
    ["1+".repeat(600) + "1", "longer than 1000 characters"],
  ])("%s → error %s", (expression, message) => {
    expect(() => evaluate(expression)).toThrow(message);
  });
});
