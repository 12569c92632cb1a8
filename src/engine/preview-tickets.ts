/**
 * Latest-wins for the Degrade tab's preview (degrade-api.ts): each preview call carries a ticket;
 * `supersede(t)` marks every ticket below t as stale, and a stale call stops at its next stage
 * boundary (`boundary(ticket)` throws DegradeSuperseded there). The boundary first lets the
 * worker's message queue run — the `supersede` message is usually waiting behind the running
 * call — through a message-channel round trip (no 4 ms timer clamp).
 */

/** A preview call that a newer one replaced; the UI drops it silently. */
export class DegradeSuperseded extends Error {
  constructor() {
    super('superseded by a newer preview');
    this.name = 'DegradeSuperseded';
  }
}

export class PreviewTickets {
  private below = 0;
  private readonly channel = typeof MessageChannel !== 'undefined' ? new MessageChannel() : null;
  /** One resolver per message in flight, answered in order (calls may yield concurrently). */
  private readonly waiting: (() => void)[] = [];

  constructor() {
    if (this.channel) this.channel.port1.onmessage = () => this.waiting.shift()?.();
  }

  /** Calls with a ticket below `ticket` are stale from now on. */
  supersede(ticket: number): void {
    this.below = Math.max(this.below, ticket);
  }

  isStale(ticket: number): boolean {
    return ticket < this.below;
  }

  /** The check before a stage: let queued messages in, then throw if `ticket` went stale (no ticket: never). */
  async boundary(ticket: number | undefined): Promise<void> {
    if (ticket === undefined) return;
    await this.yieldToMessages();
    if (this.isStale(ticket)) throw new DegradeSuperseded();
  }

  private yieldToMessages(): Promise<void> {
    const ch = this.channel;
    if (!ch) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      ch.port2.postMessage(null);
    });
  }

  /** Close the channel (tests; the engine keeps one for its life). */
  close(): void {
    this.channel?.port1.close();
    this.channel?.port2.close();
  }
}
