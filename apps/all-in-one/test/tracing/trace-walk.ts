/** Helpers to walk a received trace: parent chains and readable dumps for failure messages. */

export interface SpanLike {
  traceId: string;
  spanId: string;
  parentId: string | undefined;
  name: string;
  kind: string;
  service: string;
  origin?: string;
}

/**
 * The chain from `span` up to its trace's root, following parentId. Throws (naming the gap) when a parent is
 * not among `spans` — a broken chain is what this test exists to catch.
 */
export function chainToRoot<S extends SpanLike>(spans: readonly S[], span: S): S[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const chain: S[] = [span];
  let current = span;
  while (current.parentId !== undefined && current.parentId !== "") {
    const parent = byId.get(current.parentId);
    if (!parent) {
      throw new Error(
        `parent ${current.parentId} of ${describeSpan(current)} was never received; chain so far:\n` +
          chain.map(describeSpan).join("\n"),
      );
    }
    if (chain.includes(parent)) throw new Error(`parent cycle at ${describeSpan(parent)}`);
    chain.push(parent);
    current = parent;
  }
  return chain;
}

export function describeSpan(s: SpanLike): string {
  return `${s.origin ?? ""}${s.origin ? ":" : ""}${s.service} ${s.kind} "${s.name}" ${s.spanId}<-${s.parentId ?? "root"}`;
}

/** Index of the first span in `chain` (from `from`) matching `match`, or -1. */
export function indexIn<S extends SpanLike>(chain: readonly S[], match: (s: S) => boolean, from = 0): number {
  for (let i = from; i < chain.length; i++) if (match(chain[i] as S)) return i;
  return -1;
}
