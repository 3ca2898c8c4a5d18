import { describe, expect, it } from "vitest";
import { addressAllowed, hostAllowed, parseAllowList, specialPurpose } from "../src/net/address-policy.ts";

describe("special-purpose address classification", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.1.2", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "link-local"],
    ["100.64.0.1", "shared address space (CGNAT)"],
    ["0.0.0.0", "unspecified/this network"],
    ["224.0.0.251", "multicast"],
    ["255.255.255.255", "reserved"],
    ["198.18.0.1", "benchmarking"],
    ["192.0.2.1", "documentation"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fe80::1", "link-local"],
    ["fd00::1", "unique local"],
    ["ff02::1", "multicast"],
    ["2001:db8::1", "documentation"],
    ["::ffff:127.0.0.1", "IPv4-mapped of loopback 127.0.0.1"],
    ["::ffff:7f00:1", "IPv4-mapped of loopback 127.0.0.1"],
    ["::ffff:169.254.169.254", "IPv4-mapped of link-local 169.254.169.254"],
    ["::ffff:0:127.0.0.1", "IPv4-translated of loopback 127.0.0.1"],
    ["::ffff:0:a00:1", "IPv4-translated of private 10.0.0.1"],
    ["64:ff9b::a00:1", "NAT64 of private 10.0.0.1"],
    ["2002:c0a8:0101::1", "6to4 of private 192.168.1.1"],
    ["[::1]", "loopback"],
  ])("%s is refused (%s)", (address, label) => {
    expect(specialPurpose(address)).toBe(label);
  });

  it.each([
    "93.184.216.34",
    "8.8.8.8",
    "172.32.0.1",
    "2606:4700::1111",
    "::ffff:8.8.8.8",
    "::ffff:0:8.8.8.8",
    "64:ff9b::808:808",
  ])("%s is public", (address) => {
    expect(specialPurpose(address)).toBeUndefined();
  });
});

describe("allow-list", () => {
  it("parses hosts, suffix patterns, IPs and CIDRs", () => {
    const allow = parseAllowList(" localhost, *.svc.cluster.local ,127.0.0.1, 10.0.0.0/8, [::1], fd00::/8 ");
    expect(allow.hosts).toEqual(["localhost", "*.svc.cluster.local"]);
    expect(allow.cidrs.map((c) => c.text)).toEqual(["127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"]);
    expect(hostAllowed("LOCALHOST", allow)).toBe(true);
    expect(hostAllowed("api.svc.cluster.local", allow)).toBe(true);
    expect(hostAllowed("svc.cluster.local.evil.com", allow)).toBe(false);
    expect(addressAllowed("127.0.0.1", allow)).toBe(true);
    expect(addressAllowed("127.0.0.2", allow)).toBe(false);
    expect(addressAllowed("10.200.0.1", allow)).toBe(true);
    expect(addressAllowed("::1", allow)).toBe(true);
    expect(addressAllowed("fd12::3", allow)).toBe(true);
    expect(addressAllowed("fe80::1", allow)).toBe(false);
  });

  it("rejects malformed entries", () => {
    expect(() => parseAllowList("10.0.0.0/33")).toThrow("invalid prefix length");
    expect(() => parseAllowList("http://x")).toThrow("invalid allow-list entry");
    expect(parseAllowList("")).toEqual({ hosts: [], cidrs: [] });
  });
});
