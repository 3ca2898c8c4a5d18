/**
 * A real span receiver for tests, on a free loopback port, speaking the two wire formats our processes
 * export: Zipkin v2 JSON (`POST /api/v2/spans`, what daprd's Configuration `tracing.zipkin` sends) and OTLP
 * over HTTP with JSON encoding (`POST /v1/traces`, what the apps' OpenTelemetry SDK sends with
 * OTEL_EXPORTER_OTLP_PROTOCOL=http/json). Both are normalised to `ReceivedSpan`.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export type SpanKindName = "SERVER" | "CLIENT" | "PRODUCER" | "CONSUMER" | "INTERNAL";

export interface ReceivedSpan {
  /** Which exporter sent it: daprd (Zipkin) or one of our apps (OTLP). */
  origin: "daprd" | "app";
  service: string;
  traceId: string;
  spanId: string;
  parentId: string | undefined;
  name: string;
  kind: SpanKindName;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
}

export interface SpanReceiver {
  /** e.g. http://127.0.0.1:41234 — the OTLP endpoint (exporters append /v1/traces). */
  readonly url: string;
  readonly zipkinEndpoint: string;
  readonly spans: ReceivedSpan[];
  /** Metric names per service.name from OTLP/JSON `POST /v1/metrics`. */
  readonly metrics: Map<string, Set<string>>;
  /** Requests that could not be parsed (a test should assert none). */
  readonly errors: string[];
  /** Resolves when `predicate` holds over the received spans; rejects after `timeoutMs`. */
  waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs: number, what: string): Promise<void>;
  close(): Promise<void>;
}

const OTLP_KINDS: Record<number, SpanKindName> = {
  1: "INTERNAL",
  2: "SERVER",
  3: "CLIENT",
  4: "PRODUCER",
  5: "CONSUMER",
};

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpKeyValue {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  attributes?: OtlpKeyValue[];
  links?: { traceId: string; spanId: string }[];
}
interface OtlpRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: { spans?: OtlpSpan[] }[];
  }[];
}
interface OtlpMetricsRequest {
  resourceMetrics?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeMetrics?: { metrics?: { name: string }[] }[];
  }[];
}
interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name?: string;
  kind?: string;
  localEndpoint?: { serviceName?: string };
  tags?: Record<string, string>;
}

function value(v: OtlpValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(value);
  return undefined;
}

function attrs(list: OtlpKeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, value(kv.value)]));
}

function serviceName(list: OtlpKeyValue[] | undefined): string {
  const name = attrs(list)["service.name"];
  return typeof name === "string" ? name : "unknown";
}

/** OTLP/JSON ids are hex; older encoders used base64 — accept both. */
function hexId(id: string | undefined, bytes: number): string | undefined {
  if (id === undefined || id === "") return undefined;
  if (new RegExp(`^[0-9a-f]{${bytes * 2}}$`, "i").test(id)) return id.toLowerCase();
  return Buffer.from(id, "base64").toString("hex");
}

export function parseOtlp(body: OtlpRequest): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const service = serviceName(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          origin: "app",
          service,
          traceId: hexId(s.traceId, 16) ?? "",
          spanId: hexId(s.spanId, 8) ?? "",
          parentId: hexId(s.parentSpanId, 8),
          name: s.name,
          kind: OTLP_KINDS[s.kind ?? 1] ?? "INTERNAL",
          attributes: attrs(s.attributes),
          links: (s.links ?? []).map((l) => ({
            traceId: hexId(l.traceId, 16) ?? "",
            spanId: hexId(l.spanId, 8) ?? "",
          })),
        });
      }
    }
  }
  return out;
}

export function parseZipkin(body: ZipkinSpan[]): ReceivedSpan[] {
  return body.map((s) => ({
    origin: "daprd",
    service: s.localEndpoint?.serviceName ?? "unknown",
    traceId: s.traceId.padStart(32, "0"),
    spanId: s.id,
    parentId: s.parentId,
    name: s.name ?? "",
    kind: (s.kind as SpanKindName | undefined) ?? "INTERNAL",
    attributes: { ...s.tags },
    links: [],
  }));
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startSpanReceiver(): Promise<SpanReceiver> {
  const spans: ReceivedSpan[] = [];
  const errors: string[] = [];
  const metrics = new Map<string, Set<string>>();
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    void (async () => {
      const text = await read(req);
      try {
        if (req.method === "POST" && req.url === "/api/v2/spans") {
          spans.push(...parseZipkin(JSON.parse(text) as ZipkinSpan[]));
        } else if (req.method === "POST" && req.url === "/v1/metrics") {
          for (const rm of (JSON.parse(text) as OtlpMetricsRequest).resourceMetrics ?? []) {
            const service = serviceName(rm.resource?.attributes);
            const names = metrics.get(service) ?? new Set<string>();
            metrics.set(service, names);
            for (const sm of rm.scopeMetrics ?? []) for (const m of sm.metrics ?? []) names.add(m.name);
          }
        } else if (req.method === "POST" && req.url === "/v1/traces") {
          if (!(req.headers["content-type"] ?? "").includes("json")) {
            throw new Error(`OTLP content-type ${req.headers["content-type"]} (expected JSON)`);
          }
          spans.push(...parseOtlp(JSON.parse(text) as OtlpRequest));
        } else {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
        waiters.forEach((wake) => wake());
      } catch (err) {
        errors.push(`${req.url}: ${(err as Error).message}`);
        res.writeHead(400).end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    zipkinEndpoint: `${url}/api/v2/spans`,
    spans,
    metrics,
    errors,
    waitFor(predicate, timeoutMs, what) {
      if (predicate(spans)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const wake = () => {
          if (!predicate(spans)) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${spans.length} spans received)`),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(wake);
        };
        waiters.add(wake);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
