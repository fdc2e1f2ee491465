// One pass at a time, however often it is asked for: requests during a pass become exactly one more
// pass, and requests before a pass starts (same turn) become one. Used by the reconciler loop and the
// webhook dispatcher, which are both woken from many places.
export class CoalescedPass {
  /** The pass in progress, if any. */
  current: Promise<void> | null = null;
  /** A pass is scheduled for the next turn of the event loop. */
  scheduled = false;
  private again = false;

  /**
   * @param run     one pass
   * @param active  false once the owner stopped: requests are ignored
   * @param settled called after each pass with whether another one follows
   */
  constructor(
    private readonly run: () => Promise<void>,
    private readonly active: () => boolean,
    private readonly settled: (another: boolean) => void = () => {},
  ) {}

  request(): void {
    if (!this.active()) return;
    if (this.current) {
      this.again = true;
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    // After the current turn: a caller may ask from inside a transaction that must commit first.
    setImmediate(() => {
      this.scheduled = false;
      if (!this.active()) return;
      if (this.current) {
        this.again = true;
        return;
      }
      this.current = this.run().finally(() => {
        this.current = null;
        const another = this.again;
        this.again = false;
        this.settled(another);
        if (another) this.request();
      });
    });
  }

  /** Asks for one more pass once the current one ends (a pass that ran out of budget). */
  requestAfterCurrent(): void {
    this.again = true;
  }
}
