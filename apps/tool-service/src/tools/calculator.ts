import { evaluate, ExpressionError } from "../lib/expression.ts";
import { defineTool, ToolError } from "./types.ts";

/** Arithmetic through a small safe parser (src/lib/expression.ts; no eval). Read-only. */
export const calculator = defineTool<{ expression: string }>({
  name: "calculator",
  description:
    "Evaluates an arithmetic expression: numbers (decimals, 1e3), + - * / % ^ (power, right-associative), parentheses, " +
    "unary minus, functions sqrt abs round floor ceil min max, constants pi and e. Result: { expression, value }.",
  parameters: {
    type: "object",
    properties: {
      expression: { type: "string", minLength: 1, maxLength: 1000, description: "e.g. (2 + 3) * 4 ^ 2 / 7" },
    },
    required: ["expression"],
    additionalProperties: false,
  },
  sideEffect: "read-only",
  execute: ({ expression }) => {
    try {
      return Promise.resolve({ expression, value: evaluate(expression) });
    } catch (err) {
      if (err instanceof ExpressionError) return Promise.reject(new ToolError(err.message));
      throw err;
    }
  },
});
