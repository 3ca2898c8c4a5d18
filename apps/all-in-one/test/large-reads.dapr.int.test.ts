/**
 * Large actor answers through daprd under concurrent reads. With a resiliency timeout on actor targets,
 * daprd 1.18 cancels the call before it has read the app's answer and some reads fail with 500 "failed to
 * read response data: context canceled" (components/resiliency.yaml says why there is none). Without it,
 * every read succeeds; no route retries a read to hide a failure.
 */
import type { SystemUnderTest } from "./daca/suite.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStackSystem } from "./stack-sut.ts";

const MESSAGES = 80;
const READERS = 4;
const READS_EACH = 250;

describe("large actor answers on the real Dapr stack", () => {
  let system: SystemUnderTest;
  beforeAll(async () => {
    system = await startStackSystem();
  });
  afterAll(async () => system?.stop());

  it(`answers ${READERS * READS_EACH} concurrent reads of a long history without an error`, async () => {
    const conversation = `${system.chatUrl}/chat/large-reads`;
    for (let i = 0; i < MESSAGES; i++) {
      const response = await fetch(conversation, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ content: `message ${i}: ${"x".repeat(300)}` }),
      });
      expect(response.status).toBe(200);
    }
    const failures: string[] = [];
    let bytes = 0;
    const reader = async () => {
      for (let i = 0; i < READS_EACH; i++) {
        const response = await fetch(`${conversation}/history?limit=500`);
        const body = await response.text();
        if (response.status === 200) bytes = body.length;
        else failures.push(`${response.status} ${body.slice(0, 200)}`);
      }
    };
    await Promise.all(Array.from({ length: READERS }, reader));
    expect(failures).toEqual([]);
    expect(bytes).toBeGreaterThan(64 * 1024);
  });
});
