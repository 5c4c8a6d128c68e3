"""The lock-contention workload of bench/engine.ts on SimPy 2 (Debian's python3-simpy, 2.3.1).

Same parameters, same single mulberry32 stream drawn at the same points, so the count must equal
bench/engine.ts's EXPECTED_CYCLES. Prints one JSON line: {"count", "s" (wall), "cpu_s", "version"}.
  python3 bench/engine_simpy.py        (bench/engine.ts runs it when SimPy is importable)

SimPy 2 orders events at one time by insertion, except that a granted request and both sides of a
release resume at once (prior=1): the releaser first, then the first waiter. With one mutex that is
the same order of draws as a (time, seq) heap with a FIFO hand-off: see bench/engine.ts.
"""

import json
import re
import time
from pathlib import Path

import SimPy
from SimPy.Simulation import FIFO, Process, Resource, Simulation, hold, release, request


def constants():
    """WORKERS, THINK_RANGE, ... and EXPECTED_CYCLES, read from bench/engine.ts (one source)."""
    src = (Path(__file__).parent / "engine.ts").read_text()
    out = {}
    for name in ("WORKERS", "THINK_RANGE", "HOLD_RANGE", "LIMIT_NS", "SEED", "EXPECTED_CYCLES"):
        m = re.search(r"export const %s = ([0-9_]+);" % name, src)
        out[name] = int(m.group(1).replace("_", ""))
    return out


C = constants()
M32 = 0xFFFFFFFF


def imul(a, b):
    return (a * b) & M32


def mulberry32(seed):
    """The next uint32 of the stream (32-bit arithmetic as JavaScript's Math.imul and >>>)."""
    a = seed & M32

    def nxt():
        nonlocal a
        a = (a + 0x6D2B79F5) & M32
        t = imul(a ^ (a >> 15), a | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & M32
        return (t ^ (t >> 14)) & M32

    return nxt


class Worker(Process):
    def run(self, lock, rnd, cycles, think_range, hold_range):
        while True:
            yield hold, self, 1 + rnd() % think_range
            yield request, self, lock
            yield hold, self, 1 + rnd() % hold_range
            yield release, self, lock
            cycles[0] += 1


def main():
    sim = Simulation()
    sim.initialize()
    lock = Resource(capacity=1, qType=FIFO, sim=sim)
    rnd = mulberry32(C["SEED"])
    cycles = [0]
    for i in range(C["WORKERS"]):
        w = Worker(name="worker%d" % i, sim=sim)
        sim.activate(w, w.run(lock, rnd, cycles, C["THINK_RANGE"], C["HOLD_RANGE"]), at=0)
    t0 = time.perf_counter()
    c0 = time.process_time()
    sim.simulate(until=C["LIMIT_NS"])
    cpu_s = time.process_time() - c0
    s = time.perf_counter() - t0
    print(json.dumps({"count": cycles[0], "s": s, "cpu_s": cpu_s, "version": SimPy.__version__}))


if __name__ == "__main__":
    main()
