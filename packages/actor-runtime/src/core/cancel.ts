/**
 * A one-shot cancellation, cheaper than an AbortController (which the hot call path would otherwise
 * allocate per call). `cancel` runs the registered listeners once.
 */
export class Cancellation {
  private reasonValue: Error | undefined;
  private listeners: (() => void)[] | undefined;

  get cancelled(): boolean {
    return this.reasonValue !== undefined;
  }

  get reason(): Error | undefined {
    return this.reasonValue;
  }

  cancel(reason: Error): void {
    if (this.reasonValue) return;
    this.reasonValue = reason;
    const listeners = this.listeners ?? [];
    this.listeners = undefined;
    for (const listener of listeners) listener();
  }

  onCancel(listener: () => void): void {
    if (this.reasonValue) listener();
    else (this.listeners ??= []).push(listener);
  }

  /** Cancels after `ms` (the timer does not keep the process alive). */
  static after(ms: number, reason: () => Error): Cancellation {
    const cancellation = new Cancellation();
    setTimeout(() => cancellation.cancel(reason()), ms).unref();
    return cancellation;
  }
}
