/**
 * `npm run stack`: the local Dapr stack on fixed ports (README "Local Dapr stack"). Stops everything on
 * Ctrl-C / SIGTERM, and when any child exits on its own (exit code 1 then).
 */
import { parseStackArgs, startStack, describePlan, STACK_USAGE, type Stack } from "../stack.ts";
import { stderrSink } from "../supervisor.ts";

const log = stderrSink;
let options;
try {
  options = parseStackArgs(process.argv.slice(2), process.env);
} catch (e) {
  log(e instanceof Error ? e.message : String(e));
  process.exit(2);
}
if (options.help) {
  log(STACK_USAGE);
  process.exit(0);
}

let stack: Stack | undefined;
let stopping: Promise<void> | undefined;
const shutdown = (reason: string, code: number) => {
  if (stopping !== undefined) return;
  log(`[stack] ${reason}: stopping everything`);
  stopping = (stack?.stop() ?? Promise.resolve()).finally(() => {
    log("[stack] stopped");
    process.exit(code);
  });
};
process.on("SIGINT", () => shutdown("SIGINT", 0));
process.on("SIGTERM", () => shutdown("SIGTERM", 0));

try {
  stack = await startStack({
    options,
    log,
    env: process.env,
    onUnexpectedExit: (name, info) =>
      shutdown(`${name} exited (code ${info.code}, signal ${info.signal})`, 1),
  });
  if (stopping === undefined) {
    log(`[stack] ready (Ctrl-C to stop):\n${describePlan(stack.plan)}`);
  }
} catch (e) {
  log(`[stack] failed to start: ${e instanceof Error ? e.message : String(e)}`);
  if (stopping === undefined) process.exit(1);
}
