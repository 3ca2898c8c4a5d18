import {
  IDEMPOTENCY_KEY_HEADER,
  TOOL_SERVICE_APP_ID,
  toolInvokePath,
  type ToolListResponse,
} from "@troupe/actor-interfaces";
import type { Platform } from "@troupe/actor-runtime";
import { remoteTools, type AgentTool } from "@troupe/agent-loop";

/** tool-service's tools as agent tools, called over service invocation (Dapr, or in-process). */
export function toolServiceTools(platform: Pick<Platform, "services">) {
  return async (scope: string): Promise<AgentTool[]> => {
    const { services } = platform;
    const { tools } = await services.invoke<ToolListResponse>(TOOL_SERVICE_APP_ID, "tools", {
      httpMethod: "GET",
    });
    return remoteTools(
      tools,
      async (name, args, { idempotencyKey }) => {
        const response = await services.invoke<{ result: never }>(TOOL_SERVICE_APP_ID, toolInvokePath(name), {
          httpMethod: "POST",
          body: { arguments: args },
          ...(idempotencyKey ? { headers: { [IDEMPOTENCY_KEY_HEADER]: idempotencyKey } } : {}),
        });
        return response.result;
      },
      { idempotencyScope: scope },
    );
  };
}
