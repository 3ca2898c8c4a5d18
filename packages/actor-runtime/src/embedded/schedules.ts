/**
 * Timers and reminders of the embedded runtime. Timers live in their activation and end with it;
 * reminders are stored in the backend, armed in this process, and re-armed from the backend at start.
 * Every firing runs as a turn of a new call chain; the next firing is scheduled when it finished.
 */
import type { Json } from "@troupe/actor-interfaces";
import { CANCEL_SCHEDULE, type ActorScheduler, type ScheduleOptions } from "../api.ts";
import { actorKey, runOutsideCallContext } from "../core/call-context.ts";
import { parseDuration } from "../core/duration.ts";
import { wireCopy } from "../core/json.ts";
import type { ReminderRecord } from "../core/state-backend.ts";
import { schedulingTraceparent, traceScheduleFiring } from "../core/tracing.ts";
import {
  RPC_SYSTEM,
  type Activation,
  type Activations,
  type RuntimeScope,
  type Slot,
} from "./activations.ts";

export interface ScheduledTimer {
  handle: NodeJS.Timeout | undefined;
  readonly periodMs: number | undefined;
  readonly data: Json | undefined;
  /** traceparent of the span that set the timer; each firing's span links to it. */
  readonly scheduledBy: string | undefined;
}

interface ArmedReminder {
  record: ReminderRecord;
  handle: NodeJS.Timeout | undefined;
}

function periodOf(options: ScheduleOptions): number | undefined {
  return options.period === undefined || options.period === "" ? undefined : parseDuration(options.period);
}

export class Timers {
  constructor(
    private readonly scope: RuntimeScope,
    private readonly activations: Activations,
  ) {}

  /** `ctx.timers` of one activation. */
  scheduler(slot: Slot, activation: Activation): ActorScheduler {
    return {
      set: <D extends Json>(name: string, options: ScheduleOptions<D>) => {
        const dueMs = parseDuration(options.dueTime);
        clearTimeout(activation.timers.get(name)?.handle);
        const timer: ScheduledTimer = {
          handle: undefined,
          periodMs: periodOf(options),
          data: wireCopy(options.data),
          scheduledBy: schedulingTraceparent(),
        };
        activation.timers.set(name, timer);
        this.arm(slot, activation, name, timer, dueMs);
        return Promise.resolve();
      },
      delete: (name) => {
        clearTimeout(activation.timers.get(name)?.handle);
        activation.timers.delete(name);
        return Promise.resolve();
      },
    };
  }

  private arm(
    slot: Slot,
    activation: Activation,
    name: string,
    timer: ScheduledTimer,
    delayMs: number,
  ): void {
    timer.handle = runOutsideCallContext(() =>
      setTimeout(() => void this.fire(slot, activation, name, timer), delayMs).unref(),
    );
  }

  private async fire(slot: Slot, activation: Activation, name: string, timer: ScheduledTimer): Promise<void> {
    const current = () => slot.activation === activation && activation.timers.get(name) === timer;
    const firing = { system: RPC_SYSTEM, kind: "timer", type: slot.type, id: slot.id, name } as const;
    const outcome = await traceScheduleFiring({ ...firing, scheduledBy: timer.scheduledBy }, () =>
      this.activations.runCallback(slot, false, "timer", name, async (instance) => {
        if (!current()) return undefined;
        if (!instance.onTimer) {
          this.scope.log.warn(
            { actorType: slot.type, actorId: slot.id, timer: name },
            "timer fired but the actor has no onTimer",
          );
          return undefined;
        }
        return instance.onTimer(name, wireCopy(timer.data));
      }),
    );
    if (!current()) return;
    if (outcome === CANCEL_SCHEDULE || timer.periodMs === undefined) activation.timers.delete(name);
    else this.arm(slot, activation, name, timer, timer.periodMs);
  }
}

export class Reminders {
  private readonly armed = new Map<string, ArmedReminder>();

  constructor(
    private readonly scope: RuntimeScope,
    private readonly activations: Activations,
  ) {}

  /** `ctx.reminders` of one actor. */
  scheduler(slot: Slot): ActorScheduler {
    return {
      set: async <D extends Json>(name: string, options: ScheduleOptions<D>) => {
        const dueMs = parseDuration(options.dueTime);
        const record: ReminderRecord = { type: slot.type, id: slot.id, name, nextFireAt: Date.now() + dueMs };
        const periodMs = periodOf(options);
        if (periodMs !== undefined) record.periodMs = periodMs;
        if (options.data !== undefined) record.data = wireCopy(options.data);
        const traceparent = schedulingTraceparent();
        if (traceparent !== undefined) record.traceparent = traceparent;
        await this.scope.backend.saveReminder(record);
        this.arm(record);
      },
      delete: async (name) => {
        this.disarm(slot.type, slot.id, name);
        await this.scope.backend.deleteReminder(slot.type, slot.id, name);
      },
    };
  }

  /** Arms every stored reminder of a registered type (a durable backend brings them over a restart). */
  async rearm(): Promise<void> {
    for (const record of await this.scope.backend.listReminders()) {
      if (!this.scope.registry.has(record.type)) {
        this.scope.log.warn(
          { actorType: record.type, reminder: record.name },
          "stored reminder for an unregistered actor type",
        );
        continue;
      }
      this.arm(record);
    }
  }

  /** Stops every armed reminder in this process; the stored ones stay. */
  disarmAll(): void {
    for (const armed of this.armed.values()) clearTimeout(armed.handle);
    this.armed.clear();
  }

  private arm(record: ReminderRecord): void {
    const key = reminderKey(record.type, record.id, record.name);
    clearTimeout(this.armed.get(key)?.handle);
    const armed: ArmedReminder = { record, handle: undefined };
    this.armed.set(key, armed);
    const delay = Math.max(0, record.nextFireAt - Date.now());
    armed.handle = runOutsideCallContext(() => setTimeout(() => void this.fire(key, armed), delay).unref());
  }

  private disarm(type: string, id: string, name: string): void {
    const key = reminderKey(type, id, name);
    clearTimeout(this.armed.get(key)?.handle);
    this.armed.delete(key);
  }

  private async fire(key: string, armed: ArmedReminder): Promise<void> {
    const { record } = armed;
    const registration = this.scope.registry.get(record.type);
    if (this.scope.stopped || !registration) return;
    const current = () => this.armed.get(key) === armed;
    const slot = this.activations.slot(record.type, record.id, registration);
    const firing = { system: RPC_SYSTEM, kind: "reminder", type: record.type, id: record.id } as const;
    const outcome = await traceScheduleFiring(
      { ...firing, name: record.name, scheduledBy: record.traceparent },
      () =>
        this.activations.runCallback(slot, true, "reminder", record.name, async (instance) => {
          if (!current()) return undefined;
          if (!instance.onReminder) {
            this.scope.log.warn(
              { actorType: record.type, actorId: record.id, reminder: record.name },
              "reminder fired but the actor has no onReminder",
            );
            return undefined;
          }
          return instance.onReminder(record.name, wireCopy(record.data));
        }),
    );
    if (!current() || this.scope.stopped) return;
    await this.scheduleNext(key, record, outcome === CANCEL_SCHEDULE, current);
  }

  /** After a firing: removes a finished or cancelled reminder, or stores and arms its next firing. */
  private async scheduleNext(
    key: string,
    record: ReminderRecord,
    cancelled: boolean,
    current: () => boolean,
  ): Promise<void> {
    try {
      if (cancelled || record.periodMs === undefined) {
        this.armed.delete(key);
        await this.scope.backend.deleteReminder(record.type, record.id, record.name);
      } else {
        const next: ReminderRecord = { ...record, nextFireAt: Date.now() + record.periodMs };
        await this.scope.backend.saveReminder(next);
        if (current()) this.arm(next);
      }
    } catch (error) {
      this.scope.log.error(
        { actorType: record.type, actorId: record.id, reminder: record.name, err: error },
        "reminder bookkeeping failed",
      );
    }
  }
}

function reminderKey(type: string, id: string, name: string): string {
  return `${actorKey(type, id)}||${name}`;
}
