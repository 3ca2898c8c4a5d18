import { isIP } from "node:net";

/**
 * Which IP addresses web_fetch may connect to. Refused: every special-purpose range of the IANA IPv4 and
 * IPv6 special-purpose registries that is not globally reachable (private, loopback, link-local, CGNAT,
 * multicast, unspecified, documentation, benchmarking, reserved, …), plus IPv6 forms that embed such an
 * IPv4 address (IPv4-mapped, IPv4-translated, IPv4-compatible, NAT64, 6to4). An allow-list (hosts and CIDRs from config)
 * overrides the refusal.
 */

export interface Cidr {
  family: 4 | 6;
  base: bigint;
  prefix: number;
  text: string;
}

export interface AllowList {
  /** Exact host names (lower case) or suffixes written "*.example.internal". */
  hosts: string[];
  cidrs: Cidr[];
}

export const emptyAllowList: AllowList = { hosts: [], cidrs: [] };

const v4Ranges: [string, string][] = [
  ["0.0.0.0/8", "unspecified/this network"],
  ["10.0.0.0/8", "private"],
  ["100.64.0.0/10", "shared address space (CGNAT)"],
  ["127.0.0.0/8", "loopback"],
  ["169.254.0.0/16", "link-local"],
  ["172.16.0.0/12", "private"],
  ["192.0.0.0/24", "IETF protocol assignments"],
  ["192.0.2.0/24", "documentation"],
  ["192.31.196.0/24", "AS112"],
  ["192.52.193.0/24", "AMT"],
  ["192.88.99.0/24", "6to4 relay anycast"],
  ["192.168.0.0/16", "private"],
  ["192.175.48.0/24", "AS112"],
  ["198.18.0.0/15", "benchmarking"],
  ["198.51.100.0/24", "documentation"],
  ["203.0.113.0/24", "documentation"],
  ["224.0.0.0/4", "multicast"],
  ["240.0.0.0/4", "reserved"],
  ["255.255.255.255/32", "broadcast"],
];

const v6Ranges: [string, string][] = [
  ["::/128", "unspecified"],
  ["::1/128", "loopback"],
  ["::/96", "IPv4-compatible (deprecated)"],
  ["100::/64", "discard-only"],
  ["2001::/23", "IETF protocol assignments (incl. Teredo)"],
  ["2001:db8::/32", "documentation"],
  ["3fff::/20", "documentation"],
  ["5f00::/16", "segment routing SIDs"],
  ["fc00::/7", "unique local"],
  ["fe80::/10", "link-local"],
  ["fec0::/10", "site-local (deprecated)"],
  ["ff00::/8", "multicast"],
  ["64:ff9b:1::/48", "local-use NAT64"],
];

const blockedV4 = v4Ranges.map(([cidr, label]) => ({ cidr: parseCidr(cidr), label }));
const blockedV6 = v6Ranges.map(([cidr, label]) => ({ cidr: parseCidr(cidr), label }));

export function parseIPv4(text: string): bigint {
  const parts = text.split(".");
  if (parts.length !== 4 || isIP(text) !== 4) throw new Error(`invalid IPv4 address: ${text}`);
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

export function parseIPv6(text: string): bigint {
  const bare = text.replace(/^\[|\]$/g, "").split("%")[0] as string;
  if (isIP(bare) !== 6) throw new Error(`invalid IPv6 address: ${text}`);
  let head = bare;
  let tailV4: bigint | undefined;
  const lastColon = bare.lastIndexOf(":");
  if (bare.slice(lastColon + 1).includes(".")) {
    tailV4 = parseIPv4(bare.slice(lastColon + 1));
    head = `${bare.slice(0, lastColon + 1)}0:0`;
  }
  const [left = "", right] = head.split("::");
  const l = left ? left.split(":") : [];
  const r = right !== undefined && right !== "" ? right.split(":") : [];
  const groups = right === undefined ? l : [...l, ...Array<string>(8 - l.length - r.length).fill("0"), ...r];
  let value = groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
  if (tailV4 !== undefined) value = (value & ~0xffffffffn) | tailV4;
  return value;
}

export function parseCidr(text: string): Cidr {
  const [addr = "", prefixText] = text.trim().split("/");
  const family = isIP(addr.replace(/^\[|\]$/g, ""));
  if (family !== 4 && family !== 6) throw new Error(`invalid CIDR or IP: ${text}`);
  const bits = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits)
    throw new Error(`invalid prefix length in ${text}`);
  const value = family === 4 ? parseIPv4(addr) : parseIPv6(addr);
  return { family, base: value & mask(bits, prefix), prefix, text: text.trim() };
}

function mask(bits: number, prefix: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return prefix === 0 ? 0n : all ^ ((1n << BigInt(bits - prefix)) - 1n);
}

function inCidr(family: 4 | 6, value: bigint, cidr: Cidr): boolean {
  return cidr.family === family && (value & mask(family === 4 ? 32 : 128, cidr.prefix)) === cidr.base;
}

/** Why an address is special-purpose (refused), or undefined when it is a public unicast address. */
export function specialPurpose(address: string): string | undefined {
  const bare = address.replace(/^\[|\]$/g, "");
  const family = isIP(bare);
  if (family === 4) {
    const value = parseIPv4(bare);
    return blockedV4.find((r) => inCidr(4, value, r.cidr))?.label;
  }
  if (family !== 6) return "not an IP address";
  const value = parseIPv6(bare);
  // IPv6 forms that carry an IPv4 address: judge the embedded address.
  const embedded = embeddedIPv4(value);
  if (embedded !== undefined) {
    const label = specialPurpose(embedded.v4);
    return label ? `${embedded.kind} of ${label} ${embedded.v4}` : undefined;
  }
  return blockedV6.find((r) => inCidr(6, value, r.cidr))?.label;
}

function embeddedIPv4(value: bigint): { kind: string; v4: string } | undefined {
  const toV4 = (v: bigint) => [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join(".");
  if (value >> 32n === 0xffffn) return { kind: "IPv4-mapped", v4: toV4(value & 0xffffffffn) };
  if (value >> 32n === 0xffff0000n) return { kind: "IPv4-translated", v4: toV4(value & 0xffffffffn) };
  if (value >> 32n === 0x64ff9b0000000000000000n) return { kind: "NAT64", v4: toV4(value & 0xffffffffn) };
  if (value >> 112n === 0x2002n) return { kind: "6to4", v4: toV4((value >> 80n) & 0xffffffffn) };
  return undefined;
}

/** Parses the allow-list setting: comma-separated host names, `*.suffix` patterns, IPs and CIDRs. */
export function parseAllowList(text: string | undefined): AllowList {
  const list: AllowList = { hosts: [], cidrs: [] };
  for (const raw of (text ?? "").split(",")) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    const bare = entry.split("/")[0]?.replace(/^\[|\]$/g, "") ?? "";
    if (isIP(bare)) list.cidrs.push(parseCidr(entry.replace(/^\[|\](?=\/|$)/g, "")));
    else if (/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(entry))
      list.hosts.push(entry);
    else
      throw new Error(
        `invalid allow-list entry "${raw.trim()}" (expected a host name, *.suffix, an IP or a CIDR)`,
      );
  }
  return list;
}

export function hostAllowed(host: string, allow: AllowList): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  return allow.hosts.some((entry) => (entry.startsWith("*.") ? h.endsWith(entry.slice(1)) : h === entry));
}

export function addressAllowed(address: string, allow: AllowList): boolean {
  const bare = address.replace(/^\[|\]$/g, "");
  const family = isIP(bare);
  if (family !== 4 && family !== 6) return false;
  const value = family === 4 ? parseIPv4(bare) : parseIPv6(bare);
  return allow.cidrs.some((c) => inCidr(family, value, c));
}
