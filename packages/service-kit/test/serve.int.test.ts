import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

it("drains an in-flight request on SIGTERM, then exits 0", async () => {
  const fixture = fileURLToPath(new URL("./fixtures/slow-server.ts", import.meta.url));
  const child = spawn(process.execPath, ["--conditions=troupe-source", "--import", "tsx", fixture], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        const match = /listening (\d+)/.exec(chunk.toString());
        if (match) resolve(Number(match[1]));
      });
      child.once("exit", (code) => reject(new Error(`fixture exited early (${code})`)));
    });
    const inFlight = fetch(`http://127.0.0.1:${port}/slow`);
    await new Promise((r) => setTimeout(r, 200));
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ done: true });
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/slow`)).rejects.toThrow();
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
});
