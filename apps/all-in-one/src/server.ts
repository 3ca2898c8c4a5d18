/**
 * `npm start`: the three services in one Node process on the embedded actor runtime (no sidecar).
 * Ports: chat-service 8010, agent-memory-service 8001, tool-service 8020. State lives in memory, or in Redis
 * when TROUPE_REDIS_URL is set (then conversations and reminders survive a restart).
 */
import { createRedisBackend } from "@troupe/actor-runtime";
import * as memoryService from "@troupe/agent-memory-service";
import * as chatService from "@troupe/chat-service";
import { env, parseEnv } from "@troupe/service-kit";
import * as toolService from "@troupe/tool-service";
import { Redis } from "ioredis";
import { startEmbeddedSystem } from "./embedded-system.ts";

// The edge: every schema reads the environment once (OPENAI_*, LOG_LEVEL, MEMORY_WINDOW,
// SUMMARY_REFRESH_PERIOD, WEB_FETCH_*, TROUPE_REDIS_URL).
const chatConfig = chatService.loadConfig(process.env);
const { redisUrl } = parseEnv({ redisUrl: env.optional("TROUPE_REDIS_URL") }, process.env);
const state = redisUrl
  ? createRedisBackend({ client: new Redis(redisUrl), prefix: "troupe:", ownsClient: true })
  : undefined;
const system = await startEmbeddedSystem({
  logLevel: chatConfig.logLevel,
  chatConfig,
  memoryConfig: memoryService.loadConfig(process.env),
  toolConfig: toolService.loadConfig(process.env),
  ...(state ? { state } : {}),
});
process.stderr.write(
  `Troupe (embedded, state in ${redisUrl ? "Redis" : "memory"}) is up:\n` +
    `  chat-service          ${system.urls.chat}  (docs: ${system.urls.chat}/docs)\n` +
    `  agent-memory-service  ${system.urls.memory}\n  tool-service          ${system.urls.tools}\n`,
);
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    system
      .stop()
      .then(() => state?.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  });
}
