import { lookup } from "node:dns/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { addressAllowed, hostAllowed, specialPurpose, type AllowList } from "./address-policy.ts";

/**
 * An HTTP GET that cannot be pointed at the service's own network (SSRF):
 * 1. only http: and https: URLs;
 * 2. the host is resolved ONCE here (an IP literal is taken as is) and EVERY resolved address is checked
 *    against the special-purpose ranges before any connection; one bad address refuses the whole host;
 * 3. the connection goes to the checked address itself (the socket is opened to the IP; Host header and
 *    TLS SNI/certificate check still use the host name), so a second DNS answer (rebinding) is never used;
 * 4. redirects are followed by hand, each hop re-checked from step 1, up to maxRedirects;
 * 5. the whole fetch (all hops) has one deadline, and the body is read up to maxBytes (then truncated).
 * A host or address in the allow-list skips step 2's refusal.
 */
export interface FetchPolicy {
  allow: AllowList;
  maxBytes: number;
  timeoutMs: number;
  maxRedirects: number;
  userAgent?: string;
}

export interface FetchResult {
  /** The final URL after redirects. */
  url: string;
  status: number;
  contentType: string | null;
  text: string;
  truncated: boolean;
  /** Bytes of body kept (≤ maxBytes). */
  bytes: number;
  redirects: number;
}

export class FetchRefused extends Error {
  override readonly name = "FetchRefused";
}

export interface FetchHooks {
  /** Resolves a host name to addresses (default: the OS resolver, all addresses). Tests may replace it. */
  resolve?: (host: string) => Promise<string[]>;
  /** Called right before a connection is opened, with the address it goes to. */
  onConnect?: (address: string, url: URL) => void;
  signal?: AbortSignal;
}

const systemResolve = async (host: string) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export async function safeFetch(
  rawUrl: string,
  policy: FetchPolicy,
  hooks: FetchHooks = {},
): Promise<FetchResult> {
  const deadline = AbortSignal.timeout(policy.timeoutMs);
  const signal = hooks.signal ? AbortSignal.any([hooks.signal, deadline]) : deadline;
  let url = parseUrl(rawUrl);
  for (let redirects = 0; ; redirects++) {
    const address = await checkedAddress(url, policy.allow, hooks.resolve ?? systemResolve, signal);
    hooks.onConnect?.(address, url);
    const response = await open(url, address, policy, signal);
    const location = response.headers.location;
    if (response.statusCode && response.statusCode >= 300 && response.statusCode < 400 && location) {
      response.destroy();
      if (redirects >= policy.maxRedirects)
        throw new FetchRefused(`too many redirects (limit ${policy.maxRedirects})`);
      url = parseUrl(new URL(location, url).toString());
      continue;
    }
    const body = await readLimited(response, policy.maxBytes, signal);
    return {
      url: url.toString(),
      status: response.statusCode ?? 0,
      contentType: response.headers["content-type"] ?? null,
      text: decode(body.data, response.headers["content-type"]),
      truncated: body.truncated,
      bytes: body.data.length,
      redirects,
    };
  }
}

function parseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FetchRefused(`not a valid URL: ${raw}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new FetchRefused(`only http and https URLs are allowed, not ${url.protocol}`);
  if (url.username || url.password) throw new FetchRefused("URLs with credentials are not allowed");
  return url;
}

/** Resolves and checks every address; returns the one to connect to. Never connects. */
export async function checkedAddress(
  url: URL,
  allow: AllowList,
  resolve: (host: string) => Promise<string[]>,
  signal?: AbortSignal,
): Promise<string> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await resolve(host);
    } catch (err) {
      throw new FetchRefused(`cannot resolve ${host}: ${err instanceof Error ? err.message : String(err)}`);
    }
    signal?.throwIfAborted();
  }
  if (addresses.length === 0) throw new FetchRefused(`${host} has no addresses`);
  if (!hostAllowed(host, allow)) {
    for (const address of addresses) {
      const reason = specialPurpose(address);
      if (reason && !addressAllowed(address, allow)) {
        throw new FetchRefused(
          `refused: ${host} resolves to ${address} (${reason}); only public addresses may be fetched`,
        );
      }
    }
  }
  return addresses[0] as string;
}

function open(url: URL, address: string, policy: FetchPolicy, signal: AbortSignal): Promise<IncomingMessage> {
  const isHttps = url.protocol === "https:";
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  return new Promise((resolve, reject) => {
    const req = (isHttps ? httpsRequest : httpRequest)({
      host: address,
      port: url.port || (isHttps ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: "GET",
      headers: {
        host: url.host,
        "user-agent": policy.userAgent ?? "troupe-tool-service/0.1 (web_fetch)",
        accept: "text/html,application/json,text/plain;q=0.9,*/*;q=0.5",
        "accept-encoding": "identity",
      },
      ...(isHttps && !isIP(hostname) ? { servername: hostname } : {}),
      signal,
    });
    req.on("response", resolve);
    req.on("error", (err) =>
      reject(signal.aborted ? new FetchRefused(`fetch timed out or was cancelled: ${err.message}`) : err),
    );
    req.end();
  });
}

function readLimited(
  res: IncomingMessage,
  maxBytes: number,
  signal: AbortSignal,
): Promise<{ data: Buffer; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (truncated: boolean) => {
      if (done) return;
      done = true;
      resolve({ data: Buffer.concat(chunks).subarray(0, maxBytes), truncated });
    };
    res.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > maxBytes) {
        finish(true);
        res.destroy();
      }
    });
    res.on("end", () => finish(false));
    res.on("error", (err) => {
      if (done) return;
      done = true;
      reject(
        signal.aborted ? new FetchRefused("fetch timed out or was cancelled while reading the body") : err,
      );
    });
    res.on("close", () => {
      if (done) return;
      if (!signal.aborted) return finish(false);
      done = true;
      reject(new FetchRefused("fetch timed out or was cancelled while reading the body"));
    });
  });
}

function decode(data: Buffer, contentType: string | undefined): string {
  const charset = /charset=([^;\s]+)/i.exec(contentType ?? "")?.[1]?.replace(/"/g, "");
  try {
    return new TextDecoder(charset ?? "utf-8").decode(data);
  } catch {
    return new TextDecoder("utf-8").decode(data);
  }
}
