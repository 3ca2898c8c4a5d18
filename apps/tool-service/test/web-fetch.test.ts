import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { parseAllowList } from "../src/net/address-policy.ts";
import { buildApp, connectSpy, localServer, testConfig } from "./helpers.ts";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function appWith(
  allow: string,
  spy = connectSpy(),
  over: Parameters<typeof testConfig>[0] = {},
  resolve?: (h: string) => Promise<string[]>,
) {
  const app: FastifyInstance = await buildApp({
    config: testConfig({ webFetchAllow: parseAllowList(allow), ...over }),
    webFetchHooks: { onConnect: spy.onConnect, ...(resolve ? { resolve } : {}) },
  });
  cleanups.push(() => app.close());
  return { app, spy };
}

const fetchUrl = (app: FastifyInstance, url: string) =>
  app.inject({ method: "POST", url: "/tools/web_fetch/invoke", payload: { arguments: { url } } });

type Failure = { error: { code: string; message: string } };

describe("web_fetch SSRF refusals (checked before any connection)", () => {
  it.each([
    ["http://127.0.0.1:9/", "loopback"],
    ["http://10.0.0.1/", "private"],
    ["http://169.254.169.254/latest/meta-data/", "link-local"],
    ["http://[::1]:8080/", "loopback"],
    ["http://[::ffff:127.0.0.1]/", "IPv4-mapped of loopback"],
    ["http://[::ffff:0:127.0.0.1]/", "IPv4-translated of loopback"],
    ["http://0.0.0.0/", "unspecified"],
    ["http://224.0.0.1/", "multicast"],
    ["http://2130706433/", "loopback"], // decimal form of 127.0.0.1, normalised by the URL parser
    ["http://localhost:9/", "loopback"], // a host name resolving to loopback (system resolver, no traffic)
  ])("%s is refused (%s)", async (url, reason) => {
    const { app, spy } = await appWith("");
    const res = await fetchUrl(app, url);
    expect(res.statusCode).toBe(422);
    const body = res.json<Failure>();
    expect(body.error.code).toBe("tool_failed");
    expect(body.error.message).toMatch(/^refused: /);
    expect(body.error.message).toContain(reason);
    expect(spy.connects).toEqual([]);
  });

  it("a loopback server that is not allow-listed receives no connection", async () => {
    const target = await localServer((_req, res) => res.end("secret"));
    cleanups.push(() => target.close());
    const { app, spy } = await appWith("");
    const res = await fetchUrl(app, `${target.url}/`);
    expect(res.statusCode).toBe(422);
    expect(spy.connects).toEqual([]);
    expect(target.connections).toBe(0);
  });

  it("a host with one public and one private address is refused (every address is checked)", async () => {
    const { app, spy } = await appWith("", connectSpy(), {}, () =>
      Promise.resolve(["93.184.216.34", "10.0.0.7"]),
    );
    const res = await fetchUrl(app, "http://rebind.example/");
    expect(res.statusCode).toBe(422);
    expect(res.json<Failure>().error.message).toContain("rebind.example resolves to 10.0.0.7 (private)");
    expect(spy.connects).toEqual([]);
  });

  it("connects to the checked address, not to a second DNS answer", async () => {
    const target = await localServer((req, res) => res.end(`host header: ${req.headers.host}`));
    cleanups.push(() => target.close());
    let lookups = 0;
    // First answer is the allowed 127.0.0.1; any later lookup would "rebind" to the metadata address.
    const resolve = () => Promise.resolve(lookups++ === 0 ? ["127.0.0.1"] : ["169.254.169.254"]);
    const { app, spy } = await appWith("127.0.0.1", connectSpy(), {}, resolve);
    const res = await fetchUrl(app, `http://service.test:${target.port}/x`);
    expect(res.statusCode).toBe(200);
    expect(res.json<{ result: { text: string } }>().result.text).toBe(
      `host header: service.test:${target.port}`,
    );
    expect(lookups).toBe(1);
    expect(spy.connects).toEqual(["127.0.0.1"]);
  });

  it("only http and https", async () => {
    const { app } = await appWith("");
    for (const url of ["ftp://example.com/x", "file:///etc/passwd", "gopher://127.0.0.1/"]) {
      const res = await fetchUrl(app, url);
      expect(res.statusCode).toBe(422);
      expect(res.json<Failure>().error.message).toContain("only http and https URLs are allowed");
    }
    const creds = await fetchUrl(app, "http://user:pw@example.com/");
    expect(creds.json<Failure>().error.message).toContain("credentials");
  });

  it("a redirect to a private address is re-checked and refused (allow-listed loopback origin)", async () => {
    const origin = await localServer((_req, res) => {
      res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/iam" });
      res.end();
    });
    cleanups.push(() => origin.close());
    const { app, spy } = await appWith("127.0.0.1/32");
    const res = await fetchUrl(app, `${origin.url}/start`);
    expect(res.statusCode).toBe(422);
    expect(res.json<Failure>().error.message).toContain("169.254.169.254 (link-local)");
    expect(spy.connects).toEqual(["127.0.0.1"]); // only the origin was contacted
    expect(origin.connections).toBe(1);
  });
});

describe("web_fetch against an allow-listed local server", () => {
  it("returns status, content type and text; follows allowed redirects", async () => {
    const target = await localServer((req, res) => {
      if (req.url === "/old") {
        res.writeHead(301, { location: "/new?x=1" });
        return res.end();
      }
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end(`not here: ${req.url} – ünïcode`);
    });
    cleanups.push(() => target.close());
    const { app, spy } = await appWith("127.0.0.1");
    const res = await fetchUrl(app, `${target.url}/old`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      result: {
        url: `${target.url}/new?x=1`,
        status: 404,
        contentType: "text/plain; charset=utf-8",
        text: "not here: /new?x=1 – ünïcode",
        truncated: false,
        bytes: Buffer.byteLength("not here: /new?x=1 – ünïcode"),
        redirects: 1,
      },
    });
    expect(spy.connects).toEqual(["127.0.0.1", "127.0.0.1"]);
  });

  it("allow-listing by host name works (localhost)", async () => {
    const target = await localServer((_req, res) => res.end("hi"));
    cleanups.push(() => target.close());
    const { app } = await appWith("localhost", connectSpy(), {}, () => Promise.resolve(["127.0.0.1"]));
    const res = await fetchUrl(app, `http://localhost:${target.port}/`);
    expect(res.json<{ result: { text: string } }>().result.text).toBe("hi");
  });

  it("truncates the body at the size limit", async () => {
    const target = await localServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("a".repeat(5000));
      res.end("b".repeat(5000));
    });
    cleanups.push(() => target.close());
    const { app } = await appWith("127.0.0.1", connectSpy(), { webFetchMaxBytes: 1000 });
    const res = await fetchUrl(app, target.url);
    const result = res.json<{ result: { text: string; truncated: boolean; bytes: number } }>().result;
    expect(result.truncated).toBe(true);
    expect(result.bytes).toBe(1000);
    expect(result.text).toBe("a".repeat(1000));
  });

  it("enforces the redirect limit and the timeout", async () => {
    const target = await localServer((req, res) => {
      if (req.url === "/slow") return void setTimeout(() => res.end("late"), 3_000);
      res.writeHead(302, { location: "/loop" });
      res.end();
    });
    cleanups.push(() => target.close());
    const { app } = await appWith("127.0.0.1", connectSpy(), {
      webFetchMaxRedirects: 2,
      webFetchTimeoutMs: 300,
    });
    const loop = await fetchUrl(app, `${target.url}/loop`);
    expect(loop.statusCode).toBe(422);
    expect(loop.json<Failure>().error.message).toContain("too many redirects (limit 2)");
    const t0 = Date.now();
    const slow = await fetchUrl(app, `${target.url}/slow`);
    expect(slow.statusCode).toBe(422);
    expect(slow.json<Failure>().error.message).toContain("timed out");
    expect(Date.now() - t0).toBeLessThan(2_500);
  });
});

describe("tool-service over a real socket", () => {
  it("serves web_fetch end to end (the request's close handling does not cancel a live call)", async () => {
    const target = await localServer((_req, res) => setTimeout(() => res.end("slow but fine"), 50));
    cleanups.push(() => target.close());
    const { app } = await appWith("127.0.0.1");
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${address.port}/tools/web_fetch/invoke`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ arguments: { url: `${target.url}/` } }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { result: { text: string } }).result.text).toBe("slow but fine");
  });
});
