/**
 * `npm start`: the three services in one Node process on the embedded actor runtime (no sidecar).
 * Ports: chat-service 8010, agent-memory-service 8001, tool-service 8020.
 */
import { startEmbeddedSystem } from "../embedded-system.ts";

const system = await startEmbeddedSystem({ logLevel: process.env.LOG_LEVEL ?? "info" });
process.stderr.write(
  `Troupe (embedded) is up:\n  chat-service          ${system.urls.chat}  (docs: ${system.urls.chat}/docs)\n` +
    `  agent-memory-service  ${system.urls.memory}\n  tool-service          ${system.urls.tools}\n`,
);
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    system.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
