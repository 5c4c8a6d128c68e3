/**
 * kfree with KASAN: a freed object's embedded locations are poisoned; a second kfree is a BUG; an
 * srcu_struct torn down with a reader inside is the kernel's WARN.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { kasanCheck } from "../../../../src/check/kasan.ts";
import { mutex, spinlock_t } from "../../../../src/model/kernel/lib/locks.ts";
import {
  cleanup_srcu_struct,
  srcu_read_lock,
  srcu_read_unlock,
  srcu_struct,
} from "../../../../src/model/kernel/lib/srcu.ts";
import { KernelBug } from "../../../../src/model/machine.ts";
import { kseq, machine, warnings } from "../../../helpers/model.ts";

test("kfree poisons the locks embedded in the object, and an op on one of them is a use-after-free", () => {
  const m = machine(16);
  const obj = { lock: new mutex(m.newId(), "obj->lock"), spin: new spinlock_t(m.newId(), "obj->spin"), n: 3 };
  const other = new mutex(m.newId(), "other");
  m.kfree(obj, "struct obj");
  assert.match(
    kasanCheck(m.kasan_freed, { kind: "mutex_lock", lock: obj.lock })!,
    /mutex_lock on obj->lock#\d+ inside struct obj/,
  );
  assert.ok(kasanCheck(m.kasan_freed, { kind: "spin_unlock", lock: obj.spin }));
  assert.equal(kasanCheck(m.kasan_freed, { kind: "mutex_lock", lock: other }), null);
});

test("a second kfree of the same object is a double-free BUG", () => {
  const m = machine(16);
  const obj = { lock: new mutex(m.newId(), "obj->lock") };
  m.kfree(obj, "struct obj");
  assert.throws(
    () => m.kfree(obj, "struct obj"),
    (e: unknown) => e instanceof KernelBug && /KASAN: double-free of struct obj/.test((e as Error).message),
  );
});

test("cleanup_srcu_struct with a reader still inside is the kernel's WARN; with none it is silent", () => {
  const m = machine(16);
  const s = new srcu_struct(m.newId(), "encl->srcu");
  const idx = kseq(m, () => srcu_read_lock(m, s));
  cleanup_srcu_struct(m, s);
  assert.match(
    warnings(m).join("\n"),
    /^cleanup_srcu_struct: WARN_ON\(srcu_readers_active\(encl->srcu#\d+\)\)/,
  );
  kseq(m, () => srcu_read_unlock(m, s, idx));
  m.dmesg.length = 0;
  cleanup_srcu_struct(m, s);
  assert.deepEqual(warnings(m), []);
});

test("objects without locations of their own (sgx_encl_mm, sgx_va_page): KASAN sees a use and a second kfree", () => {
  const m = machine(16);
  const obj = { freed: false, n: 1 };
  assert.equal(m.kasanUse(obj, "struct sgx_encl_mm"), obj);
  m.kfreeObj(obj, "struct sgx_encl_mm");
  assert.throws(
    () => m.kasanUse(obj, "struct sgx_encl_mm"),
    (e: unknown) => e instanceof KernelBug && /KASAN: use-after-free of struct sgx_encl_mm/.test(e.message),
  );
  assert.throws(() => m.kfreeObj(obj, "struct sgx_encl_mm"), /KASAN: double-free of struct sgx_encl_mm/);
});
