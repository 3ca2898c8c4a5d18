/**
 * `npm start`: the three services in one Node process on the embedded actor runtime (no sidecar).
 * Ports: chat-service 8010, agent-memory-service 8001, tool-service 8020.
 */
import * as chatService from "@troupe/chat-service";
import * as toolService from "@troupe/tool-service";
import { startEmbeddedSystem } from "../embedded-system.ts";

// The edge: the services' own config schemas read the environment once (OPENAI_*, LOG_LEVEL, WEB_FETCH_*).
const chatConfig = chatService.loadConfig(process.env);
const system = await startEmbeddedSystem({
  logLevel: chatConfig.logLevel,
  chatConfig,
  toolConfig: toolService.loadConfig(process.env),
});
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
