/**
 * Mutation operators: each finds the places in one kernel function where a real kernel bug could
 * be made (a lock pair dropped, a reference not taken, a flag not tested, a wake-up forgotten, ...)
 * and returns one source edit per place. They work on the TypeScript syntax tree of the model's
 * source, so a mutant is a readable diff of the function, reproducible from its name.
 */
import ts from "typescript";

export interface Edit {
  start: number;
  end: number;
  text: string;
}

export interface Mutation {
  operator: OperatorName;
  /** What the mutant does, for reports ("drop spin_lock(G.sgx_reclaimer_lock) and its unlocks"). */
  what: string;
  edits: Edit[];
}

export const OPERATORS = [
  "drop-lock",
  "unlock-early",
  "lock-order",
  "drop-get",
  "drop-put",
  "drop-flag-test",
  "drop-flag-set",
  "invert-cond",
  "drop-wakeup",
  "drop-barrier",
  "swap-adjacent",
  "list-outside-lock",
  "off-by-one",
  "drop-cleanup",
  "drop-resched",
] as const;
export type OperatorName = (typeof OPERATORS)[number];

const UNLOCK_OF: Record<string, string> = {
  spin_lock: "spin_unlock",
  mutex_lock: "mutex_unlock",
  down_read: "up_read",
  down_write: "up_write",
  mmap_read_lock: "mmap_read_unlock",
  mmap_write_lock: "mmap_write_unlock",
  srcu_read_lock: "srcu_read_unlock",
};
const UNLOCKS = new Set(Object.values(UNLOCK_OF));
const GETS = new Set(["kref_get", "get_page", "mmget", "mmgrab", "get_file", "sgx_encl_get"]);
const GETS_TESTED = new Set(["kref_get_unless_zero", "mmget_not_zero", "get_file_rcu"]);
/** Reference drops and frees: dropping one is a leak (kmemleak) or a reference never given back. */
const PUTS = new Set([
  "kref_put",
  "put_page",
  "mmput",
  "mmput_async",
  "mmdrop",
  "fput",
  "sgx_encl_put",
  "sgx_put_cg",
  "css_put",
  "kfreeObj",
  "xa_destroy",
]);
const WAKEUPS = new Set([
  "wake_up",
  "wake_up_all",
  "wake_up_process",
  "wake_up_interruptible",
  "complete",
  "complete_all",
  "queue_work",
]);
const BARRIERS =
  /^(synchronize_srcu|synchronize_rcu|cancel_work_sync|flush_work|smp_mb|smp_rmb|smp_wmb|smp_mb__after_atomic|smp_mb__before_atomic)$/;
const LIST_OPS = new Set([
  "list_add",
  "list_add_tail",
  "list_del",
  "list_del_init",
  "list_move",
  "list_move_tail",
]);
const FLAG =
  /^(SGX_\w*(BEING_RECLAIMED|RECLAIMER_TRACKED|IS_FREE|POISON|BUSY|INITIALIZED|DEAD|CREATED|DEBUG|OOM)\w*)$/;
const BIT_SETTERS = new Set(["set_bit", "clear_bit"]);
const BIT_TESTS = new Set(["test_bit", "test_and_set_bit", "test_and_clear_bit"]);

/** The called function's name of `e` through yield, yield*, parentheses and `m.fn.` (else null). */
export function callName(e: ts.Expression | undefined): string | null {
  while (e && (ts.isYieldExpression(e) || ts.isParenthesizedExpression(e) || ts.isAwaitExpression(e)))
    e = e.expression;
  if (!e || !ts.isCallExpression(e)) return null;
  const c = e.expression;
  if (ts.isIdentifier(c)) return c.text;
  if (ts.isPropertyAccessExpression(c)) return c.name.text;
  return null;
}

function stmtCall(s: ts.Statement): string | null {
  return ts.isExpressionStatement(s) ? callName(s.expression) : null;
}

/** The call of an expression statement, through yield and parentheses. */
function callIn(s: ts.Statement): ts.CallExpression | null {
  let e: ts.Expression | undefined = (s as ts.ExpressionStatement).expression;
  while (e && (ts.isYieldExpression(e) || ts.isParenthesizedExpression(e))) e = e.expression;
  return e && ts.isCallExpression(e) ? e : null;
}

/** The lock a lock call takes: its last argument (helpers take (lock) or (m, lock)). */
function firstArg(s: ts.Statement, sf: ts.SourceFile): string {
  return callIn(s)?.arguments.at(-1)?.getText(sf) ?? "";
}

function del(s: ts.Node, sf: ts.SourceFile): Edit {
  return { start: s.getStart(sf), end: s.getEnd(), text: "/* MUTANT: removed */" };
}

function swap(a: ts.Node, b: ts.Node, sf: ts.SourceFile): Edit[] {
  return [
    { start: a.getStart(sf), end: a.getEnd(), text: b.getText(sf) },
    { start: b.getStart(sf), end: b.getEnd(), text: a.getText(sf) },
  ];
}

function containsYield(n: ts.Node): boolean {
  let found = false;
  const visit = (c: ts.Node): void => {
    if (found || ts.isFunctionLike(c)) return;
    if (ts.isYieldExpression(c)) found = true;
    else ts.forEachChild(c, visit);
  };
  visit(n);
  return found;
}

function short(text: string): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > 70 ? `${one.slice(0, 67)}...` : one;
}

/** Every statement list (blocks, case clauses) inside `body`, not entering nested functions. */
function statementLists(body: ts.Node): ts.NodeArray<ts.Statement>[] {
  const out: ts.NodeArray<ts.Statement>[] = [];
  const visit = (n: ts.Node): void => {
    if (n !== body && ts.isFunctionLike(n)) return;
    if (ts.isBlock(n) || ts.isCaseClause(n) || ts.isDefaultClause(n)) out.push(n.statements);
    ts.forEachChild(n, visit);
  };
  visit(body);
  return out;
}

function nodesOf<T extends ts.Node>(body: ts.Node, is: (n: ts.Node) => n is T): T[] {
  const out: T[] = [];
  const visit = (n: ts.Node): void => {
    if (n !== body && ts.isFunctionLike(n)) return;
    if (is(n)) out.push(n);
    ts.forEachChild(n, visit);
  };
  visit(body);
  return out;
}

/** Is `n` (part of) the condition of an if, while, for or conditional expression? */
function inCondition(n: ts.Node): boolean {
  for (let p: ts.Node = n; p.parent; p = p.parent) {
    const q = p.parent;
    if ((ts.isIfStatement(q) || ts.isWhileStatement(q) || ts.isDoStatement(q)) && q.expression === p)
      return true;
    if (ts.isForStatement(q) && q.condition === p) return true;
    if (ts.isConditionalExpression(q) && q.condition === p) return true;
    if (ts.isStatement(q) || ts.isFunctionLike(q)) return false;
  }
  return false;
}

/** All mutations of one function body, in source order per operator. */
export function mutationsOf(fn: ts.FunctionDeclaration, sf: ts.SourceFile): Mutation[] {
  const body = fn.body;
  if (!body) return [];
  const out: Mutation[] = [];
  const lists = statementLists(body);
  const allStmts = lists.flatMap((l) => [...l]);

  // drop-lock: a lock call and every matching unlock of the same lock in the function.
  for (const s of allStmts) {
    const name = stmtCall(s);
    if (!name || !(name in UNLOCK_OF)) continue;
    const lock = firstArg(s, sf);
    // Its unlocks: those after it and before the next time the function takes the same lock.
    const at = s.getStart(sf);
    const nextLock = allStmts
      .filter((o) => o !== s && stmtCall(o) === name && firstArg(o, sf) === lock && o.getStart(sf) > at)
      .reduce((min, o) => Math.min(min, o.getStart(sf)), Number.POSITIVE_INFINITY);
    const unlocks = allStmts.filter(
      (u) =>
        stmtCall(u) === UNLOCK_OF[name] &&
        firstArg(u, sf) === lock &&
        u.getStart(sf) > at &&
        u.getStart(sf) < nextLock,
    );
    if (!unlocks.length) continue;
    out.push({
      operator: "drop-lock",
      what: `drop ${name}(${lock}) and its ${unlocks.length} unlock(s)`,
      edits: [del(s, sf), ...unlocks.map((u) => del(u, sf))],
    });
  }

  for (const list of lists) {
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      const name = stmtCall(s);
      const prev = i > 0 ? list[i - 1]! : undefined;
      const next = list[i + 1];
      // unlock-early: the unlock moves above the statement before it (that access loses the lock).
      if (name && UNLOCKS.has(name) && prev) {
        const p = stmtCall(prev);
        if (!p || (!(p in UNLOCK_OF) && !UNLOCKS.has(p)))
          out.push({
            operator: "unlock-early",
            what: `${short(s.getText(sf))} before ${short(prev.getText(sf))}`,
            edits: swap(prev, s, sf),
          });
      }
      // lock-order: two locks taken one after the other, in the other order.
      if (name && name in UNLOCK_OF && next) {
        const n = stmtCall(next);
        if (n && n in UNLOCK_OF && firstArg(next, sf) !== firstArg(s, sf))
          out.push({
            operator: "lock-order",
            what: `${short(next.getText(sf))} before ${short(s.getText(sf))}`,
            edits: swap(s, next, sf),
          });
      }
      // swap-adjacent: two neighbouring statements that both touch shared state (yield an op).
      if (
        next &&
        ts.isExpressionStatement(s) &&
        ts.isExpressionStatement(next) &&
        containsYield(s) &&
        containsYield(next) &&
        !(name && (name in UNLOCK_OF || UNLOCKS.has(name))) &&
        !(stmtCall(next) && (stmtCall(next)! in UNLOCK_OF || UNLOCKS.has(stmtCall(next)!)))
      )
        out.push({
          operator: "swap-adjacent",
          what: `${short(next.getText(sf))} before ${short(s.getText(sf))}`,
          edits: swap(s, next, sf),
        });
      // list-outside-lock: a list operation moved after the unlock that follows it.
      if (name && LIST_OPS.has(name)) {
        const j = list.findIndex((u, k) => k > i && UNLOCKS.has(stmtCall(u) ?? ""));
        if (j > i) {
          const u = list[j]!;
          out.push({
            operator: "list-outside-lock",
            what: `${short(s.getText(sf))} after ${short(u.getText(sf))}`,
            edits: [del(s, sf), { start: u.getEnd(), end: u.getEnd(), text: `\n${s.getText(sf)}` }],
          });
        }
      }
    }
  }

  // drop-get / drop-put: reference counting calls as statements; a tested get always "succeeds".
  for (const s of allStmts) {
    const name = stmtCall(s);
    if (name && GETS.has(name))
      out.push({ operator: "drop-get", what: `drop ${short(s.getText(sf))}`, edits: [del(s, sf)] });
    if (name && PUTS.has(name))
      out.push({ operator: "drop-put", what: `drop ${short(s.getText(sf))}`, edits: [del(s, sf)] });
    if (name && WAKEUPS.has(name))
      out.push({ operator: "drop-wakeup", what: `drop ${short(s.getText(sf))}`, edits: [del(s, sf)] });
    if (name && BARRIERS.test(name))
      out.push({ operator: "drop-barrier", what: `drop ${short(s.getText(sf))}`, edits: [del(s, sf)] });
    // A timing mutant: the loop runs on without a scheduling point (the simulator's stretch shows it).
    if (name === "cond_resched")
      out.push({ operator: "drop-resched", what: `drop ${short(s.getText(sf))}`, edits: [del(s, sf)] });
    if (name && BIT_SETTERS.has(name) && FLAG.test(firstArgOf(s, sf)))
      out.push({ operator: "drop-flag-set", what: `drop ${short(s.getText(sf))}`, edits: [del(s, sf)] });
  }
  for (const c of nodesOf(body, ts.isCallExpression)) {
    const name = callName(c);
    if (!name) continue;
    // The yield* around the call goes with it.
    const whole = ts.isYieldExpression(c.parent) ? c.parent : c;
    if (GETS_TESTED.has(name) && !ts.isExpressionStatement(whole.parent))
      out.push({
        operator: "drop-get",
        what: `${short(whole.getText(sf))} assumed to succeed without taking a reference`,
        edits: [{ start: whole.getStart(sf), end: whole.getEnd(), text: "true" }],
      });
    if (
      BIT_TESTS.has(name) &&
      FLAG.test(c.arguments[1]?.getText(sf) ?? c.arguments[0]?.getText(sf) ?? "") &&
      inCondition(c)
    )
      out.push({
        operator: "drop-flag-test",
        what: `${short(whole.getText(sf))} taken as false`,
        edits: [{ start: whole.getStart(sf), end: whole.getEnd(), text: "false" }],
      });
  }

  // Flags as masks: `x & FLAG` tested, `x | FLAG` set, `x & ~FLAG` cleared.
  for (const b of nodesOf(body, ts.isBinaryExpression)) {
    const op = b.operatorToken.kind;
    const r = b.right;
    const rText = r.getText(sf);
    if (op === ts.SyntaxKind.AmpersandToken && FLAG.test(rText) && inCondition(b))
      out.push({
        operator: "drop-flag-test",
        what: `${short(b.getText(sf))} taken as 0`,
        edits: [{ start: b.getStart(sf), end: b.getEnd(), text: "0" }],
      });
    if (op === ts.SyntaxKind.BarToken && FLAG.test(rText))
      out.push({
        operator: "drop-flag-set",
        what: `${short(b.getText(sf))} without ${rText}`,
        edits: [{ start: b.getStart(sf), end: b.getEnd(), text: b.left.getText(sf) }],
      });
    if (op === ts.SyntaxKind.BarEqualsToken && FLAG.test(rText))
      out.push({
        operator: "drop-flag-set",
        what: `drop ${short(b.getText(sf))}`,
        edits: [{ start: b.getStart(sf), end: b.getEnd(), text: b.left.getText(sf) }],
      });
    if (
      op === ts.SyntaxKind.AmpersandToken &&
      ts.isPrefixUnaryExpression(r) &&
      r.operator === ts.SyntaxKind.TildeToken &&
      FLAG.test(r.operand.getText(sf))
    )
      out.push({
        operator: "drop-flag-set",
        what: `${short(b.getText(sf))} without clearing ${r.operand.getText(sf)}`,
        edits: [{ start: b.getStart(sf), end: b.getEnd(), text: b.left.getText(sf) }],
      });
    // off-by-one: a relational comparison in a condition loses or gains its equality.
    const flip: Partial<Record<ts.SyntaxKind, string>> = {
      [ts.SyntaxKind.LessThanToken]: "<=",
      [ts.SyntaxKind.LessThanEqualsToken]: "<",
      [ts.SyntaxKind.GreaterThanToken]: ">=",
      [ts.SyntaxKind.GreaterThanEqualsToken]: ">",
    };
    const f = flip[op];
    if (f && inCondition(b))
      out.push({
        operator: "off-by-one",
        what: `${short(b.getText(sf))} with ${f}`,
        edits: [{ start: b.operatorToken.getStart(sf), end: b.operatorToken.getEnd(), text: f }],
      });
  }

  // invert-cond: an if's condition negated (not the model's own switches, which no kernel has).
  for (const s of nodesOf(body, ts.isIfStatement))
    if (!/\bm\.(interleaveAll|timed|sim)\b/.test(s.expression.getText(sf)))
      out.push({
        operator: "invert-cond",
        what: `if (!(${short(s.expression.getText(sf))}))`,
        edits: [
          {
            start: s.expression.getStart(sf),
            end: s.expression.getEnd(),
            text: `!(${s.expression.getText(sf)})`,
          },
        ],
      });

  // drop-cleanup: a statement of an error path (an if block that ends in return) removed.
  for (const s of nodesOf(body, ts.isIfStatement)) {
    const t = s.thenStatement;
    if (!ts.isBlock(t) || t.statements.length < 2) continue;
    const last = t.statements.at(-1)!;
    if (!ts.isReturnStatement(last) && !ts.isBreakStatement(last)) continue;
    for (const c of t.statements.slice(0, -1))
      if (ts.isExpressionStatement(c))
        out.push({
          operator: "drop-cleanup",
          what: `error path without ${short(c.getText(sf))}`,
          edits: [del(c, sf)],
        });
  }
  return out;
}

/** The flag a set_bit/clear_bit statement names, if any. */
function firstArgOf(s: ts.Statement, sf: ts.SourceFile): string {
  return (
    callIn(s)
      ?.arguments.find((a) => FLAG.test(a.getText(sf)))
      ?.getText(sf) ?? ""
  );
}

/** Apply non-overlapping edits to `text` (from the end, so offsets stay valid). */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start))
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
