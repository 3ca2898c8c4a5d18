import type { Json } from "@troupe/actor-interfaces";

/** What the contract actors report about themselves, outside actor state (so it survives everything). */
export interface ContractEvent {
  kind: "activate" | "deactivate" | "timer" | "reminder" | "enter";
  type: string;
  id: string;
  /** Timer or reminder name, or rendezvous group. */
  name?: string;
  data?: Json;
  at: number;
}

/**
 * A shared in-memory log the harness passes to the test actors. It lives in the test process, so a host
 * the harness runs in-process (embedded, or the fastify Dapr host) writes to the same log the test reads.
 */
export class ContractLog {
  readonly events: ContractEvent[] = [];

  record(event: Omit<ContractEvent, "at">): void {
    this.events.push({ ...event, at: Date.now() });
  }

  count(predicate: (event: ContractEvent) => boolean): number {
    return this.events.filter(predicate).length;
  }

  /**
   * Polls until `count(predicate) >= atLeast`. The bound is generous on purpose: it only decides how
   * long a failing test takes, never whether a correct runtime passes.
   */
  async waitFor(
    predicate: (event: ContractEvent) => boolean,
    options: { atLeast?: number; timeoutMs: number; what: string },
  ): Promise<number> {
    const atLeast = options.atLeast ?? 1;
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      const seen = this.count(predicate);
      if (seen >= atLeast) return seen;
      if (Date.now() > deadline) {
        throw new Error(
          `timed out after ${options.timeoutMs}ms waiting for ${options.what} (saw ${seen}/${atLeast})`,
        );
      }
      await sleep(25);
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
