/**
 * The behavioural contract every actor runtime must meet (issue 3), written once and run against each
 * runtime through a `ContractHarness`.
 *
 * How timing-dependent cases are bounded (no case passes or fails on a speed threshold):
 * - Parallelism is proven by overlap: N calls to N ids wait inside the actor until all N are inside at
 *   once. A runtime that serialised them would never get there (the bound only limits how long a failure
 *   takes). The converse (one id never overlaps) uses a short wait that a correct runtime must exhaust.
 * - Idle deactivation, timers and reminders are observed by polling the shared `ContractLog` with
 *   generous bounds (`TIMING.eventBoundMs`); a correct runtime passes however slow the machine is, up to
 *   that bound.
 * - "Stops firing" is checked by waiting `TIMING.settlePeriods` periods after the stop and requiring
 *   that no further firing was logged. A runtime that kept firing would log one per period.
 */
import { randomUUID } from "node:crypto";
import { ActorCallError, TroupeError, type ActorClient } from "@troupe/actor-interfaces";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultRuntimeSettings, type ActorRuntimeSettings } from "../../src/api.ts";
import {
  ContractCounter,
  ContractCounterWithMissing,
  ContractReentrantA,
  ContractRecorder,
  ContractReminder,
  ContractRendezvous,
  ContractThrower,
  ContractTimer,
  contractRegistrations,
} from "./actors.ts";
import type { ContractHarness } from "./harness.ts";
import { ContractLog, sleep, type ContractEvent } from "./log.ts";

export const TIMING = {
  /** Period of the timers and periodic reminders under test. */
  periodMs: 300,
  /** Due time of the reminder registered before a host restart. */
  restartReminderDueMs: 2_000,
  /** Upper bound for any awaited event (deactivation, a firing); only a failing runtime waits this long. */
  eventBoundMs: 30_000,
  /** Periods to wait after a schedule stopped before checking that nothing fired since. */
  settlePeriods: 4,
  /** Rendezvous wait for calls that must overlap (a bound, not a threshold). */
  overlapBoundMs: 10_000,
  /** Rendezvous wait for calls on one id that must NOT overlap (each waits this long, then gives up). */
  exclusiveWaitMs: 400,
} as const;

/** The runtime settings the suite runs with (ContractRecorder overrides the idle timeout per type). */
export const contractSettings: ActorRuntimeSettings = {
  ...defaultRuntimeSettings,
  idleTimeout: "60m",
  drainOngoingCallTimeout: "5s",
  reentrancy: { enabled: true, maxStackDepth: 32 },
  callTimeoutMs: 20_000,
};

export interface ContractSuiteOptions {
  /** Timeout of each case, ms. Default 60 000 (the restart case on Dapr is the slowest). */
  caseTimeoutMs?: number;
}

const ms = (n: number) => `${n}ms`;

export function defineContractSuite(
  name: string,
  createHarness: () => ContractHarness | Promise<ContractHarness>,
  options: ContractSuiteOptions = {},
): void {
  const caseTimeout = options.caseTimeoutMs ?? 60_000;

  describe(`actor runtime contract: ${name}`, () => {
    const log = new ContractLog();
    let harness: ContractHarness | undefined;
    const client = (): ActorClient => {
      if (!harness) throw new Error("harness not started");
      return harness.client();
    };
    const fresh = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
    const of = (kind: ContractEvent["kind"], id: string, eventName?: string) => (e: ContractEvent) =>
      e.kind === kind && e.id === id && (eventName === undefined || e.name === eventName);

    beforeAll(async () => {
      harness = await createHarness();
      await harness.start(contractRegistrations(log), contractSettings);
    }, 300_000);

    afterAll(async () => {
      await harness?.stop();
    }, 120_000);

    it("activates an actor on its first call, once", { timeout: caseTimeout }, async () => {
      const id = fresh("activate");
      const counter = client().actor(ContractCounter, id);
      expect(log.count(of("activate", id))).toBe(0);
      await counter.Increment({});
      expect(log.count(of("activate", id))).toBe(1);
      await counter.Increment({});
      await counter.Get({});
      expect(log.count(of("activate", id))).toBe(1);
    });

    it("deactivates an idle actor (per-type idle timeout)", { timeout: caseTimeout }, async () => {
      const id = fresh("idle");
      await client().actor(ContractRecorder, id).Set({ value: "x" });
      await log.waitFor(of("deactivate", id), {
        timeoutMs: TIMING.eventBoundMs,
        what: `deactivation of ${id}`,
      });
      expect(log.count(of("deactivate", id))).toBe(1);
    });

    it(
      "keeps state across deactivation and runs onActivate again on reactivation",
      { timeout: caseTimeout },
      async () => {
        const id = fresh("reactivate");
        const recorder = client().actor(ContractRecorder, id);
        await recorder.Set({ value: "kept" });
        await log.waitFor(of("deactivate", id), {
          timeoutMs: TIMING.eventBoundMs,
          what: `deactivation of ${id}`,
        });
        await expect(recorder.Get({})).resolves.toEqual({ value: "kept" });
        expect(log.count(of("activate", id))).toBe(2);
      },
    );

    it(
      "serialises 100 concurrent calls to one actor: exact counter, every value seen once",
      { timeout: caseTimeout },
      async () => {
        const counter = client().actor(ContractCounter, fresh("counter"));
        const results = await Promise.all(Array.from({ length: 100 }, () => counter.Increment({ by: 1 })));
        expect(new Set(results.map((r) => r.value))).toEqual(
          new Set(Array.from({ length: 100 }, (_, i) => i + 1)),
        );
        await expect(counter.Get({})).resolves.toEqual({ value: 100 });
      },
    );

    it(
      "discards the state changes of a call that throws; a TroupeError keeps code, status and message",
      { timeout: caseTimeout },
      async () => {
        const id = fresh("thrower");
        const thrower = client().actor(ContractThrower, id);
        await thrower.Set({ value: 1 });

        const expected = await thrower.SetThenThrow({ value: 2, expected: true }).catch((e: unknown) => e);
        expect(expected).toBeInstanceOf(TroupeError);
        expect(expected).toMatchObject({
          code: "contract_rejected",
          status: 409,
          message: "value 2 rejected on purpose",
        });
        await expect(thrower.Get({})).resolves.toEqual({ value: 1 });

        const unexpected = await thrower.SetThenThrow({ value: 3, expected: false }).catch((e: unknown) => e);
        expect(unexpected).toBeInstanceOf(ActorCallError);
        expect(unexpected).toMatchObject({
          actorType: "ContractThrower",
          actorId: id,
          method: "SetThenThrow",
        });
        expect((unexpected as ActorCallError).status).toBeGreaterThanOrEqual(500);
        await expect(thrower.Get({})).resolves.toEqual({ value: 1 });
      },
    );

    it(
      "passes a 4xx failure of a call an actor made on to its caller as a TroupeError",
      { timeout: caseTimeout },
      async () => {
        const error = await client()
          .actor(ContractThrower, fresh("relay"))
          .CallMissing({ counterId: fresh("missing") })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TroupeError);
        expect(error).toMatchObject({ code: "actor_method_not_found", status: 404 });
        expect((error as Error).message).toContain("Missing");
      },
    );

    it("runs calls to different ids in parallel (they overlap)", { timeout: caseTimeout }, async () => {
      const group = fresh("overlap");
      const ids = [1, 2, 3, 4].map((n) => fresh(`par${n}`));
      const results = await Promise.all(
        ids.map((id) =>
          client()
            .actor(ContractRendezvous, id)
            .Meet({ group, expect: ids.length, waitMs: TIMING.overlapBoundMs }),
        ),
      );
      expect(results).toEqual(ids.map(() => ({ met: true })));
    });

    it("never overlaps two calls to the same id", { timeout: caseTimeout }, async () => {
      const group = fresh("exclusive");
      const rendezvous = client().actor(ContractRendezvous, fresh("same"));
      const results = await Promise.all([
        rendezvous.Meet({ group, expect: 2, waitMs: TIMING.exclusiveWaitMs }),
        rendezvous.Meet({ group, expect: 2, waitMs: TIMING.exclusiveWaitMs }),
      ]);
      // One call gives up alone; the other enters after it and then sees both entries. Which one goes first
      // is not specified: on Dapr two concurrent calls reach daprd over separate connections.
      expect(results.map((r) => r.met).sort()).toEqual([false, true]);
    });

    it(
      "fires a timer periodically and stops it when the callback cancels",
      { timeout: caseTimeout },
      async () => {
        const id = fresh("timer-cancel");
        const timer = client().actor(ContractTimer, id);
        await timer.Start({
          name: "tick",
          dueTime: ms(TIMING.periodMs),
          period: ms(TIMING.periodMs),
          stopAfter: 3,
        });
        await log.waitFor(of("timer", id, "tick"), {
          atLeast: 3,
          timeoutMs: TIMING.eventBoundMs,
          what: "3 timer fires",
        });
        await sleep(TIMING.periodMs * TIMING.settlePeriods);
        expect(log.count(of("timer", id, "tick"))).toBe(3);
        await expect(timer.Fires({ name: "tick" })).resolves.toEqual({ fires: 3 });
      },
    );

    it("stops a timer deleted by a method", { timeout: caseTimeout }, async () => {
      const id = fresh("timer-delete");
      const timer = client().actor(ContractTimer, id);
      await timer.Start({ name: "tick", dueTime: ms(TIMING.periodMs), period: ms(TIMING.periodMs) });
      await log.waitFor(of("timer", id, "tick"), {
        atLeast: 2,
        timeoutMs: TIMING.eventBoundMs,
        what: "2 timer fires",
      });
      await timer.Stop({ name: "tick" });
      await sleep(TIMING.periodMs); // a firing already dispatched when Stop ran may still land
      const afterStop = log.count(of("timer", id, "tick"));
      await sleep(TIMING.periodMs * TIMING.settlePeriods);
      expect(log.count(of("timer", id, "tick"))).toBe(afterStop);
      await expect(timer.Fires({ name: "tick" })).resolves.toEqual({ fires: afterStop });
    });

    it("stops a periodic reminder that returns CANCEL_SCHEDULE", { timeout: caseTimeout }, async () => {
      await expectReminderStops("return");
    });

    it("stops a periodic reminder that deletes itself", { timeout: caseTimeout }, async () => {
      await expectReminderStops("delete");
    });

    async function expectReminderStops(cancelBy: "return" | "delete"): Promise<void> {
      const id = fresh(`reminder-${cancelBy}`);
      const reminder = client().actor(ContractReminder, id);
      const period = ms(TIMING.periodMs);
      await reminder.Schedule({ name: "beat", dueTime: period, period, stopAfter: 2, cancelBy });
      await log.waitFor(of("reminder", id, "beat"), {
        atLeast: 2,
        timeoutMs: TIMING.eventBoundMs,
        what: "2 reminder fires",
      });
      await sleep(TIMING.periodMs * TIMING.settlePeriods);
      expect(log.count(of("reminder", id, "beat"))).toBe(2);
      await expect(reminder.Fires({ name: "beat" })).resolves.toEqual({ fires: 2 });
    }

    it("fires a reminder after a restart of the host", { timeout: caseTimeout * 2 }, async () => {
      const id = fresh("reminder-restart");
      await client()
        .actor(ContractReminder, id)
        .Schedule({ name: "later", dueTime: ms(TIMING.restartReminderDueMs) });
      await harness?.restartHost();
      expect(log.count(of("reminder", id, "later"))).toBe(0);
      await log.waitFor(of("reminder", id, "later"), {
        timeoutMs: TIMING.eventBoundMs,
        what: "the reminder after restart",
      });
      await sleep(TIMING.periodMs * TIMING.settlePeriods);
      expect(log.count(of("reminder", id, "later"))).toBe(1);
      await expect(client().actor(ContractReminder, id).Fires({ name: "later" })).resolves.toEqual({
        fires: 1,
      });
    });

    it("completes a reentrant call chain A -> B -> A", { timeout: caseTimeout }, async () => {
      const result = await client()
        .actor(ContractReentrantA, fresh("a"))
        .Start({ bId: fresh("b") });
      expect(result).toEqual({ path: ["A:Start", "B:Bounce", "A:Echo"] });
    });

    it(
      "rejects an unknown method with 404 naming the actor type, id and method",
      { timeout: caseTimeout },
      async () => {
        const id = fresh("unknown");
        const error = await client()
          .actor(ContractCounterWithMissing, id)
          .Missing({})
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ActorCallError);
        expect(error).toMatchObject({
          actorType: "ContractCounter",
          actorId: id,
          method: "Missing",
          status: 404,
        });
        expect((error as Error).message).toContain("ContractCounter");
        expect((error as Error).message).toContain(id);
        expect((error as Error).message).toContain("Missing");
      },
    );
  });
}
