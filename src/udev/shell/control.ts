/**
 * The shell's non-local control flow, thrown through the interpreter: `exit` (and fatal errors,
 * status 2), `break`/`continue` with a level count, and `return` from a function.
 */
export class ShellExit {
  constructor(readonly status: number) {}
}
export class LoopControl {
  constructor(
    readonly kind: 'break' | 'continue',
    public levels: number,
  ) {}
}
export class FunctionReturn {
  constructor(readonly status: number) {}
}
