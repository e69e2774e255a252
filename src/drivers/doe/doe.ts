/**
 * The kernel's DOE mailbox (drivers/pci/doe.c, reference/protocols.md §1.5): one `PciDoeMb` per
 * DOE capability, driven only through config reads and writes of its registers, one task at a
 * time from an ordered queue, on the machine's scheduler in virtual time (HZ = 1000).
 *
 * Contracts and orderings, as `doe_statemachine_work`, `pci_doe_send_req`, `pci_doe_recv_resp`,
 * `pci_doe_abort` and `signal_task_abort` have them:
 * - Creation (`pci_doe_create_mb`): Abort, then Discovery from index 0 until Next Index is 0,
 *   caching every (vendor, type) pair in order (Discovery 0001:00 included). A failed abort or
 *   discovery fails creation: the mailbox is dead and every submission fails with EIO.
 * - A task: DEAD → EIO without an Abort. Otherwise wait for Busy to clear (up to 1 s; still Busy
 *   → EBUSY, "busy detected"), Error → EIO, write the object and Go (exactly 0x80000000), poll
 *   Status every 7 ms until Data Object Ready (Error → EIO; more than 1 s since Go → EIO), read
 *   and acknowledge the response dword by dword (a header that is not the request's → EIO
 *   without acknowledging), drain what does not fit, final Error check. Every failure after
 *   step 0 goes through an Abort; an Abort that fails marks the mailbox DEAD. The task completes
 *   with its own error either way.
 * - Abort: write Control = Abort (exactly 0x1), then sleep a poll interval, read Status, done as
 *   soon as Error and Busy are clear; more than 1 s since the Abort → EIO ("ABORT timed out").
 * - Cancel (`pci_doe_cancel_tasks`, on device removal or driver unbind): DEAD and CANCEL; a
 *   sleeping task wakes at once with EIO — synchronously, as destroy_workqueue flushes, so its
 *   Abort write happens before the caller goes on — and queued tasks then fail with EIO without
 *   touching the registers.
 *
 * Departure: the Busy wait before sending spins in the kernel (no sleep); the model re-reads
 * Status once per virtual millisecond, so the device can make progress while the kernel spins.
 */
import { Errno, type ErrnoName, type IDisposable, type ILogService, type IScheduler } from '../../base/index.js';
import { type PciDevice, type PciDoeProtocol, pciDoeCtrl, pciDoeRegs, pciDoeStatus } from '../../pci/index.js';

/** PCI_DOE_TIMEOUT: HZ, one second. */
export const PCI_DOE_TIMEOUT_MS = 1000;
/** PCI_DOE_POLL_INTERVAL: PCI_DOE_TIMEOUT / 128 in jiffies at HZ = 1000. */
export const PCI_DOE_POLL_INTERVAL_MS = 7;
/** The spin of the Busy wait before sending, one Status read per virtual millisecond. */
export const PCI_DOE_BUSY_SPIN_MS = 1;
/** PCI_DOE_MAX_LENGTH: 2^18 dwords, header included (a length field of 0). */
export const PCI_DOE_MAX_LENGTH = 1 << 18;

export const PCI_VENDOR_ID_PCI_SIG = 0x0001;
export const PCI_DOE_FEATURE_DISCOVERY = 0x00;
export const PCI_DOE_FEATURE_CMA = 0x01;
export const PCI_VENDOR_ID_CXL = 0x1e98;
export const CXL_DOE_PROTOCOL_COMPLIANCE = 0x00;
export const CXL_DOE_PROTOCOL_TABLE_ACCESS = 0x02;

/** What a task ends with: the bytes received (at most `responseSize`), or an errno. */
export type DoeResult =
  { readonly ok: true; readonly received: number; readonly response: Uint8Array } | { readonly ok: false; readonly errno: ErrnoName };

/** One request (`struct pci_doe_task`). */
export interface DoeTaskSpec {
  readonly vendor: number;
  readonly type: number;
  /** Payload after the two header dwords; any length, the last dword zero-padded. */
  readonly request: Uint8Array;
  /** Size of the response buffer; longer responses are truncated (and drained). */
  readonly responseSize: number;
}

interface DoeTask extends DoeTaskSpec {
  readonly done: (result: DoeResult) => void;
  /** Set once nobody waits for the result any more (doe_user's close, its ABORT ioctl). */
  orphaned: boolean;
}

/** What a submitter holds: it may stop waiting and have the exchange aborted. */
export interface DoeTaskHandle {
  /** Drop a queued task, or wake the running one so that it Aborts at once; no callback follows. */
  abort(): void;
}

type Cont = (err?: ErrnoName) => void;

/** A submitter's handle: `abort` runs what the mailbox said stopping means for this task. */
class TaskHandle implements DoeTaskHandle {
  /** Set by an abort before the task was queued (the EINVAL answer is then not delivered). */
  aborted = false;
  constructor(private readonly onAbort: () => void) {}

  abort(): void {
    this.onAbort();
  }
}

/** Where the mailbox lives and what it uses: the function, the capability, the scheduler, dmesg. */
export interface PciDoeMbDeps {
  readonly pdev: PciDevice;
  readonly capOffset: number;
  readonly scheduler: IScheduler;
  readonly log: ILogService;
}

function hex(n: number, width = 0): string {
  return n.toString(16).padStart(width, '0');
}

export class PciDoeMb {
  readonly pdev: PciDevice;
  readonly capOffset: number;
  /** The cached Discovery table (`doe_mb->feats`), Discovery itself first. */
  readonly features: PciDoeProtocol[] = [];
  #dead = false;
  #cancel = false;
  #ready = false;
  #readyWaiters: ((ok: boolean) => void)[] = [];
  readonly #queue: DoeTask[] = [];
  #current: DoeTask | undefined;
  /** The sleep in progress (`pci_doe_wait`), woken early by cancel. */
  #sleeping: { timer: IDisposable; cont: Cont } | undefined;
  /** workqueueName and the function name it was made from (remade if the function were renamed). */
  #wq: { readonly of: string; readonly name: string } | undefined;
  readonly #scheduler: IScheduler;
  readonly #log: ILogService;
  /** Work items run so far (for tests counting work, never time). */
  tasksRun = 0;

  constructor(deps: PciDoeMbDeps) {
    this.pdev = deps.pdev;
    this.capOffset = deps.capOffset;
    this.#scheduler = deps.scheduler;
    this.#log = deps.log;
  }

  /** The ordered workqueue's name, `pci 0000:0d:00.0 DOE [190]`. */
  get workqueueName(): string {
    const of = this.pdev.name;
    if (this.#wq?.of !== of) this.#wq = { of, name: `pci ${of} DOE [${hex(this.capOffset)}]` };
    return this.#wq.name;
  }

  get dead(): boolean {
    return this.#dead;
  }

  /** Creation finished (successfully or not). */
  get ready(): boolean {
    return this.#ready;
  }

  /** True while a task runs or waits in the queue. */
  get busy(): boolean {
    return this.#current !== undefined || this.#queue.length > 0;
  }

  /** True while a task has started and not completed (it may touch the registers). */
  get inExchange(): boolean {
    return this.#current !== undefined;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Discovery 0001:00 is always supported (`pci_doe_supports_feat`). */
  supports(vendor: number, type: number): boolean {
    if (vendor === PCI_VENDOR_ID_PCI_SIG && type === PCI_DOE_FEATURE_DISCOVERY) return true;
    const features = this.features;
    for (let i = 0; i < features.length; i++) if (features[i]!.vendor === vendor && features[i]!.type === type) return true;
    return false;
  }

  /**
   * pci_doe_create_mb's second half, queued as work: Abort to reset the mailbox, then cache the
   * features. `onReady(false)` when either fails (the mailbox is then dead, as creation failed).
   */
  create(onReady?: (ok: boolean) => void): void {
    if (onReady) this.#readyWaiters.push(onReady);
    this.#scheduler.queue(
      `${this.workqueueName} create`,
      () => {
        this.#abort((err) => {
          if (err) {
            this.#err(`failed to reset mailbox with abort command : -${errnoNumber(err)}`);
            return this.#finishCreate(false);
          }
          this.#cacheFeatures(0, 0, (e) => {
            if (e) this.#err(`failed to cache features : -${errnoNumber(e)}`);
            this.#finishCreate(!e);
          });
        });
      },
      { key: this.workqueueName },
    );
  }

  /** Call `cb` once creation has finished (at once when it has). */
  whenReady(cb: (ok: boolean) => void): void {
    if (this.#ready) cb(!this.#dead);
    else this.#readyWaiters.push(cb);
  }

  #finishCreate(ok: boolean): void {
    if (!ok) this.#dead = true;
    this.#ready = true;
    const waiters = this.#readyWaiters.splice(0);
    for (const w of waiters) w(ok);
  }

  /** pci_doe_cache_features: index is a u8, slots too; the 257th entry collides (EBUSY). */
  #cacheFeatures(index: number, slot: number, done: Cont): void {
    const capVersion = (this.pdev.configRead(this.capOffset, 4) >>> 16) & 0xf;
    const version = capVersion >= 2 ? 2 : 0;
    const request = new Uint8Array(4);
    request[0] = index;
    request[1] = version;
    this.#enqueue({ vendor: PCI_VENDOR_ID_PCI_SIG, type: PCI_DOE_FEATURE_DISCOVERY, request, responseSize: 4 }, (r) => {
      if (!r.ok) return done(r.errno);
      if (r.received !== 4) return done('EIO');
      const b = r.response;
      const dw = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
      if (slot >= 256) return done('EBUSY');
      this.features.push({ vendor: dw & 0xffff, type: (dw >>> 16) & 0xff });
      const next = dw >>> 24;
      if (next === 0) return done();
      this.#cacheFeatures(next, slot + 1, done);
    });
  }

  /**
   * pci_doe_submit_task / pci_doe: EINVAL for an unsupported feature (checked now), then queued;
   * `done` runs from the workqueue with the result. Returns the task, which a caller that stops
   * waiting (doe_user's close) may orphan.
   */
  submit(spec: DoeTaskSpec, done: (result: DoeResult) => void): DoeTaskHandle {
    if (!this.supports(spec.vendor, spec.type)) {
      const handle = new TaskHandle(() => void (handle.aborted = true));
      this.#scheduler.queue(`${this.workqueueName} einval`, () => handle.aborted || done({ ok: false, errno: 'EINVAL' }));
      return handle;
    }
    const task = this.#enqueue(spec, done);
    return new TaskHandle(() => this.#abortTask(task));
  }

  /** The task leaves the queue, or, running, wakes from its sleep with EIO and so Aborts. */
  #abortTask(task: DoeTask): void {
    task.orphaned = true;
    const queued = this.#queue.indexOf(task);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
      return;
    }
    if (this.#current === task) this.#wake('EIO');
  }

  /**
   * Wake the sleeping work item with `errno` (wake_up on the mailbox's wait queue) and let it run
   * to its next sleep now: the caller (close, the ABORT ioctl, unbind, removal) waits for it, as
   * destroy_workqueue flushes, so the task's Abort reaches the registers before the caller goes
   * on and before the config range can pass to anyone else.
   */
  #wake(errno: ErrnoName): void {
    const s = this.#sleeping;
    if (!s) return;
    this.#sleeping = undefined;
    s.timer.dispose();
    s.cont(errno);
  }

  #enqueue(spec: DoeTaskSpec, done: (result: DoeResult) => void): DoeTask {
    const task: DoeTask = { vendor: spec.vendor, type: spec.type, request: spec.request, responseSize: spec.responseSize, done, orphaned: false };
    this.#queue.push(task);
    this.#kick();
    return task;
  }

  /** The ordered workqueue: the next task starts once the current one completed. */
  #kick(): void {
    if (this.#current || this.#queue.length === 0) return;
    const task = this.#queue.shift()!;
    this.#current = task;
    const wq = this.workqueueName;
    this.#scheduler.queue(`${wq} work`, () => this.#statemachine(task), { key: wq });
  }

  /**
   * pci_doe_cancel_tasks: no new work starts, sleeping work wakes with EIO. Used when the
   * function goes away or the owning driver unbinds (pci_doe_destroy).
   */
  cancelTasks(): void {
    this.#dead = true;
    this.#cancel = true;
    this.#wake('EIO');
    if (!this.#ready) this.#finishCreate(false);
  }

  #complete(task: DoeTask, result: DoeResult): void {
    this.tasksRun++;
    this.#current = undefined;
    if (!task.orphaned) task.done(result);
    this.#kick();
  }

  /** signal_task_abort: Abort; a failed Abort marks the mailbox dead; the task keeps its error. */
  #failTask(task: DoeTask, errno: ErrnoName): void {
    this.#abort((err) => {
      if (err) {
        this.#err(`[${hex(this.capOffset)}] Abort failed marking mailbox dead`);
        this.#dead = true;
      }
      this.#complete(task, { ok: false, errno });
    });
  }

  #statemachine(task: DoeTask): void {
    if (this.#dead) return this.#complete(task, { ok: false, errno: 'EIO' });
    if (task.orphaned) return this.#complete(task, { ok: false, errno: 'EINTR' });
    this.#sendReq(task, (err) => {
      if (err) return this.#failTask(task, err);
      this.#pollResponse(task, this.#now() + PCI_DOE_TIMEOUT_MS);
    });
  }

  /** doe_statemachine_work after Go: poll Status every interval until Data Object Ready, Error or `deadline`. */
  #pollResponse(task: DoeTask, deadline: number): void {
    const status = this.#status();
    if (status & pciDoeStatus.ERROR) return this.#failTask(task, 'EIO');
    if (!(status & pciDoeStatus.DATA_OBJECT_READY)) {
      if (this.#now() > deadline) return this.#failTask(task, 'EIO');
      return this.#wait(PCI_DOE_POLL_INTERVAL_MS, (e) => (e ? this.#failTask(task, e) : this.#pollResponse(task, deadline)));
    }
    const r = this.#recvResp(task);
    if (typeof r === 'string') return this.#failTask(task, r);
    this.#complete(task, r);
  }

  /** pci_doe_send_req: the Busy wait, the Error check, the object, Go. */
  #sendReq(task: DoeTask, done: Cont): void {
    this.#sendReqAfterBusy(task, this.#now() + PCI_DOE_TIMEOUT_MS, done);
  }

  /** pci_doe_send_req from its Busy wait on: spin until Busy clears or `deadline` passes, then send. */
  #sendReqAfterBusy(task: DoeTask, deadline: number, done: Cont): void {
    const status = this.#status();
    if (status & pciDoeStatus.BUSY) {
      if (this.#now() <= deadline) return this.#wait(PCI_DOE_BUSY_SPIN_MS, (e) => (e ? done(e) : this.#sendReqAfterBusy(task, deadline, done)));
      this.#err(`[${hex(this.capOffset)}] busy detected; another entity is sending conflicting requests`);
      return done('EBUSY');
    }
    if (status & pciDoeStatus.ERROR) return done('EIO');
    const request = task.request;
    const payloadDw = Math.ceil(request.length / 4);
    let length = 2 + payloadDw;
    if (length > PCI_DOE_MAX_LENGTH) return done('EIO');
    if (length === PCI_DOE_MAX_LENGTH) length = 0;
    this.#write(pciDoeRegs.WRITE, (task.vendor & 0xffff) | ((task.type & 0xff) << 16));
    this.#write(pciDoeRegs.WRITE, length);
    // The payload as little-endian dwords, the last one zero-padded.
    for (let i = 0; i < payloadDw; i++) {
      const at = 4 * i;
      const dw = (request[at] ?? 0) | ((request[at + 1] ?? 0) << 8) | ((request[at + 2] ?? 0) << 16) | ((request[at + 3] ?? 0) << 24);
      this.#write(pciDoeRegs.WRITE, dw >>> 0);
    }
    this.#write(pciDoeRegs.CTRL, pciDoeCtrl.GO);
    done();
  }

  /** pci_doe_recv_resp: the result, or the errno the task fails with (then Aborted). */
  #recvResp(task: DoeTask): DoeResult | ErrnoName {
    let val = this.#read(pciDoeRegs.READ);
    const vendor = val & 0xffff;
    const type = (val >>> 16) & 0xff;
    if (vendor !== task.vendor || type !== task.type) {
      this.#err(
        `[${hex(this.capOffset)}] expected [VID, Feature] = [${hex(task.vendor, 4)}, ${hex(task.type, 2)}], got [${hex(vendor, 4)}, ${hex(type, 2)}]`,
        'ratelimited',
      );
      return 'EIO';
    }
    this.#write(pciDoeRegs.READ, 0);
    val = this.#read(pciDoeRegs.READ);
    this.#write(pciDoeRegs.READ, 0);
    let length = val & 0x3ffff;
    if (length === 0) length = PCI_DOE_MAX_LENGTH;
    if (length < 2) return 'EIO';
    length -= 2;
    const received = Math.min(task.responseSize, length * 4);
    // Exactly `received` bytes, filled byte by byte: no DataView, buffer or subarray (each of
    // those makes V8 move a small typed array's bytes off the heap first).
    const response = new Uint8Array(received);
    const whole = Math.floor(received / 4);
    let payloadLength = Math.min(length, whole);
    for (let i = 0; i < payloadLength; i++) {
      val = this.#read(pciDoeRegs.READ);
      const at = 4 * i;
      response[at] = val;
      response[at + 1] = val >>> 8;
      response[at + 2] = val >>> 16;
      response[at + 3] = val >>> 24;
      // Prior to the last ack, ensure Data Object Ready.
      if (i === payloadLength - 1 && !(this.#status() & pciDoeStatus.DATA_OBJECT_READY)) return 'EIO';
      this.#write(pciDoeRegs.READ, 0);
    }
    const remainder = received % 4;
    if (remainder && length > payloadLength) {
      val = this.#read(pciDoeRegs.READ);
      for (let b = 0; b < remainder; b++) response[4 * payloadLength + b] = (val >>> (8 * b)) & 0xff;
      this.#write(pciDoeRegs.READ, 0);
      payloadLength++;
    }
    for (; payloadLength < length; payloadLength++) {
      this.#read(pciDoeRegs.READ);
      this.#write(pciDoeRegs.READ, 0);
    }
    if (this.#status() & pciDoeStatus.ERROR) return 'EIO';
    return { ok: true, received, response };
  }

  /** pci_doe_abort. */
  #abort(done: Cont): void {
    this.#write(pciDoeRegs.CTRL, pciDoeCtrl.ABORT);
    this.#abortWait(this.#now() + PCI_DOE_TIMEOUT_MS, done);
  }

  /** pci_doe_abort's loop: sleep a poll interval, done once Error and Busy are clear; EIO after `deadline`. */
  #abortWait(deadline: number, done: Cont): void {
    this.#wait(PCI_DOE_POLL_INTERVAL_MS, (e) => {
      if (e) return done(e);
      const status = this.#status();
      if (!(status & (pciDoeStatus.ERROR | pciDoeStatus.BUSY))) return done();
      if (this.#now() > deadline) {
        this.#err(`[${hex(this.capOffset)}] ABORT timed out`);
        return done('EIO');
      }
      this.#abortWait(deadline, done);
    });
  }

  /** pci_doe_wait: sleep `ms`; EIO at once (or on wake) once cancelled. */
  #wait(ms: number, cont: Cont): void {
    const wq = this.workqueueName;
    if (this.#cancel) {
      this.#scheduler.queue(`${wq} wake`, () => cont('EIO'), { key: wq });
      return;
    }
    this.#sleeping = {
      timer: this.#scheduler.queue(
        `${wq} poll`,
        () => {
          this.#sleeping = undefined;
          cont(this.#cancel ? 'EIO' : undefined);
        },
        { delay: ms, key: wq },
      ),
      cont,
    };
  }

  #now(): number {
    return this.#scheduler.clock.now();
  }

  #status(): number {
    return this.#read(pciDoeRegs.STATUS);
  }

  #read(reg: number): number {
    return this.pdev.configRead(this.capOffset + reg, 4) >>> 0;
  }

  #write(reg: number, value: number): void {
    this.pdev.configWrite(this.capOffset + reg, 4, value >>> 0);
  }

  #err(message: string, _rate?: 'ratelimited'): void {
    this.#log.log('error', 'kernel', `pci ${this.pdev.name}: ${message}`);
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [
      this.#dead,
      this.#cancel,
      this.#ready,
      this.#readyWaiters,
      this.#queue,
      this.#current,
      this.#sleeping,
      this.#scheduler,
      this.#log,
      this.#wq,
    ];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#dead = v[0] as never;
    this.#cancel = v[1] as never;
    this.#ready = v[2] as never;
    this.#readyWaiters = v[3] as never;
    this.#current = v[5] as never;
    this.#sleeping = v[6] as never;
    this.#wq = v[9] as never;
  }
}

/** The errno number for messages ("failed to cache features : -5"). */
export function errnoNumber(name: ErrnoName): number {
  return ERRNO_NUMBERS[name] ?? 0;
}

const ERRNO_NUMBERS: Partial<Record<ErrnoName, number>> = Errno;
