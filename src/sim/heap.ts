/**
 * The simulator's event queue: a binary heap in typed arrays ordered by (time, seq). The insertion
 * sequence breaks time ties, so events at the same nanosecond run in the order they were scheduled
 * and a run is reproducible exactly.
 */
export class EventHeap {
  private time: Float64Array;
  private seq: Float64Array;
  private who: Int32Array;
  size = 0;
  private nextSeq = 0;

  constructor(capacity = 1024) {
    this.time = new Float64Array(capacity);
    this.seq = new Float64Array(capacity);
    this.who = new Int32Array(capacity);
  }

  /** Schedule `who` at `time`; returns the event's sequence number (for lazy cancellation). */
  push(time: number, who: number): number {
    if (this.size === this.time.length) this.grow();
    const s = this.nextSeq++;
    let i = this.size++;
    const T = this.time;
    const S = this.seq;
    const W = this.who;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (T[p]! < time || (T[p] === time && S[p]! < s)) break;
      T[i] = T[p]!;
      S[i] = S[p]!;
      W[i] = W[p]!;
      i = p;
    }
    T[i] = time;
    S[i] = s;
    W[i] = who;
    return s;
  }

  peekTime(): number {
    return this.size ? this.time[0]! : Number.POSITIVE_INFINITY;
  }
  peekSeq(): number {
    return this.seq[0]!;
  }
  peekWho(): number {
    return this.who[0]!;
  }

  /** Remove the earliest event (read it with peek* first). */
  pop(): void {
    const T = this.time;
    const S = this.seq;
    const W = this.who;
    const n = --this.size;
    if (n === 0) return;
    const t = T[n]!;
    const s = S[n]!;
    const w = W[n]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && (T[r]! < T[c]! || (T[r] === T[c] && S[r]! < S[c]!))) c = r;
      if (t < T[c]! || (t === T[c] && s < S[c]!)) break;
      T[i] = T[c]!;
      S[i] = S[c]!;
      W[i] = W[c]!;
      i = c;
    }
    T[i] = t;
    S[i] = s;
    W[i] = w;
  }

  private grow(): void {
    const n = this.time.length * 2;
    const t = new Float64Array(n);
    t.set(this.time);
    this.time = t;
    const s = new Float64Array(n);
    s.set(this.seq);
    this.seq = s;
    const w = new Int32Array(n);
    w.set(this.who);
    this.who = w;
  }
}
