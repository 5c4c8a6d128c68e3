import assert from "node:assert/strict";
import { test } from "node:test";
import { EventHeap } from "../../src/sim/heap.ts";

test("events pop in time order and equal times pop in insertion order", () => {
  const h = new EventHeap(2);
  const input = [
    [5, 1],
    [1, 2],
    [5, 3],
    [3, 4],
    [1, 5],
    [5, 6],
  ];
  for (const [t, w] of input) h.push(t!, w!);
  const out: number[][] = [];
  while (h.size) {
    out.push([h.peekTime(), h.peekWho()]);
    h.pop();
  }
  assert.deepEqual(out, [
    [1, 2],
    [1, 5],
    [3, 4],
    [5, 1],
    [5, 3],
    [5, 6],
  ]);
});

test("the heap stays ordered under many random pushes and pops", () => {
  const h = new EventHeap();
  let x = 12345;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648) % 1000;
  let last = -1;
  let lastSeq = -1;
  for (let i = 0; i < 5000; i++) h.push(rnd(), i);
  while (h.size) {
    const t = h.peekTime();
    const s = h.peekSeq();
    assert.ok(t > last || (t === last && s > lastSeq));
    last = t;
    lastSeq = s;
    h.pop();
  }
});
