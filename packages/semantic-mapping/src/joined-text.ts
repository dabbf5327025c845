/**
 * `head + separator + tail`, the same string object each time for the same
 * parts. A rule's output (`GET /users/{id}`, `postgresql:shop`,
 * `orders.internal:8080`) repeats from span to span, and the aggregator looks
 * each one up by value in its interval: a string it has seen hashes once,
 * while a new concatenation is flattened and hashed again on every span (the
 * aggregator's value lookups were ~17% of its onEnd before, measured on the
 * pipeline benchmark's spans). Bounded: emptied when full, like the path
 * templates; long texts are joined without being kept. A pure function, so
 * nothing is ever stale.
 */
export class TextJoiner {
  private readonly byHead = new Map<string, Map<string, string>>();
  private held = 0;

  constructor(private readonly separator: string) {}

  join(head: string, tail: string): string {
    let tails = this.byHead.get(head);
    const known = tails?.get(tail);
    if (known !== undefined) return known;
    const joined = head + this.separator + tail;
    if (joined.length > MAX_JOINED_LENGTH) return joined;
    if (this.held >= MAX_JOINED) {
      this.byHead.clear();
      this.held = 0;
      tails = undefined;
    }
    if (tails === undefined) {
      tails = new Map();
      this.byHead.set(head, tails);
    }
    tails.set(tail, joined);
    this.held++;
    return joined;
  }
}

const MAX_JOINED = 1024;
const MAX_JOINED_LENGTH = 256;
