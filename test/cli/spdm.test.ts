/**
 * `auxbus spdm serve|connect` over real loopback TCP: the server in a child process (the client
 * blocks its thread while it waits for an answer, as the synchronous requester must), the client
 * in-process — against a machine's CMA/SPDM mailbox (the default: cxl-type3, through /dev/doe or
 * the config file) and against a standalone engine; and the server in-process against a raw
 * asynchronous socket.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../../src/cli/io.js';
import { run } from '../../src/cli/spdm.js';
import { serveSpdm, type RecordedFrame } from '../../src/cli/spdm-socket.js';
import { fromHex, toHex } from '../../src/protocols/crypto/index.js';
import { encodeDoe, encodeFrame, FrameSplitter, type EmuFrame } from '../../src/protocols/spdm/emu-platform.js';
import { makeResponder } from '../protocols/spdm/helpers.js';

const repo = join(import.meta.dirname, '..', '..');

describe('auxbus spdm', () => {
  /** `auxbus spdm serve ARGS --port 0` in a child process; resolves with its port once it listens. */
  async function spawnServe(args: readonly string[]) {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'src/cli/main.ts'), 'spdm', 'serve', '--port', '0', ...args], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += String(d);
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { port, exited, out: () => out };
  }

  const session = 'session 0xffffffff: KEY_EXCHANGE, FINISH, HEARTBEAT, KEY_UPDATE (key, all keys), HEARTBEAT, END_SESSION ok\n';

  it.each([
    ['/dev/doe', [], 'through /dev/doe/cxl_pci.doe.2', '# echo doe_user.doe > /sys/bus/auxiliary/devices/cxl_pci.doe.2/driver_override'],
    ['the config file', ['--raw-config'], 'through 0000:0d:00.0 config', '# open /sys/bus/pci/devices/0000:0d:00.0/config'],
  ])(
    "connect authenticates and opens a session against serve: a cxl-type3 machine's CMA/SPDM mailbox via %s (separate process, real TCP)",
    async (_via, args, through, handOff) => {
      const srv = await spawnServe(args);
      const io = captureIo(repo);
      const status = await run(['connect', `127.0.0.1:${srv.port}`], io);
      expect(io.err).toBe('');
      expect(status).toBe(0);
      // Discovery came from the device's mailbox: its table, with Secured CMA/SPDM.
      expect(io.out).toContain('DOE discovery: 0001:00 0001:01 0001:02\n');
      expect(io.out).toContain('SPDM 1.2, BaseAsym 0x80, BaseHash 0x2, responder flags 0x62d6\n');
      expect(io.out).toContain('certificate 2: O=auxbus test, CN=auxbus test SPDM responder\n');
      expect(io.out).toContain('MEASUREMENTS: 4 blocks, signature verified\n');
      expect(io.out).toContain(session);
      expect(await srv.exited).toBe(0);
      const out = srv.out();
      expect(out).toContain('auxbus spdm serve: machine with cxl-type3 (aux-exclusive), 0000:0d:00.0 DOE [1c0] lists 0001:00 0001:01 0001:02\n');
      expect(out).toContain('kernel CMA/SPDM authentication at boot: authenticated\n'); // the device's own identity, trusted by .cma
      expect(out).toContain(`${handOff}\n`);
      expect(out).toContain(through);
      expect(out).toMatch(
        /SHUTDOWN after 22 frames, 20 DOE objects answered by the mailbox \(0 not\), 17 SPDM requests at the device, 0 ERROR responses, 1 session\(s\) opened, 1 ended; virtual time \d+ ms/,
      );
    },
    30_000,
  );

  it('connect authenticates against serve --standalone (a bare engine, no machine)', async () => {
    const srv = await spawnServe(['--standalone']);
    const io = captureIo(repo);
    expect(await run(['connect', `127.0.0.1:${srv.port}`], io)).toBe(0);
    expect(io.out).toContain('DOE discovery: 0001:00 0001:01 0001:02\n');
    expect(io.out).toContain(session);
    expect(await srv.exited).toBe(0);
    expect(srv.out()).toContain('SHUTDOWN after 22 frames, 17 SPDM requests, 0 ERROR responses, 1 session(s) opened, 1 ended');
  }, 30_000);

  it('connect to a port nobody listens on fails with ECONNREFUSED', async () => {
    const io = captureIo(repo);
    const srv = await serveSpdm({ port: 0, responder: makeResponder() });
    const port = srv.port;
    await srv.close();
    expect(await run(['connect', `127.0.0.1:${port}`], io)).toBe(1);
    expect(io.err).toBe('auxbus spdm connect: spdm-emu socket: ECONNREFUSED (ECONNREFUSED)\n');
  });

  it('bad arguments are exit 2', async () => {
    const io = captureIo(repo);
    expect(await run(['connect', 'nohostport'], io)).toBe(2);
    expect(await run(['serve', '--key', 'x.pem'], io)).toBe(2);
    expect(io.err).toContain('--cert-chain and --key go together');
    expect(await run(['serve', '--doe', 'shared'], io)).toBe(2);
    expect(io.err).toContain('--doe must be one of aux-exclusive, pci-core-shared');
    expect(await run(['serve', '--handshake-in-clear'], io)).toBe(2);
    expect(io.err).toContain('--handshake-in-clear needs --standalone');
    expect(await run(['frobnicate'], io)).toBe(2);
  });

  it('serve answers TEST, DOE discovery, SPDM, an unknown command and SHUTDOWN over a raw socket', async () => {
    const frames: RecordedFrame[] = [];
    const srv = await serveSpdm({ port: 0, responder: makeResponder(), frames });
    const sock = connect({ host: '127.0.0.1', port: srv.port });
    const split = new FrameSplitter();
    const queue: EmuFrame[] = [];
    let wake: (() => void) | undefined;
    sock.on('data', (d) => {
      queue.push(...split.push(new Uint8Array(d)));
      wake?.();
    });
    const next = async (): Promise<EmuFrame> => {
      while (queue.length === 0) await new Promise<void>((r) => (wake = r));
      return queue.shift()!;
    };
    const send = async (command: number, payload: Uint8Array) => {
      sock.write(encodeFrame({ command, transport: 2, payload }));
      const f = await next();
      return { command: f.command, payload: toHex(f.payload) };
    };
    expect(await send(0xdead, new TextEncoder().encode('Client Hello!\0'))).toEqual({
      command: 0xdead,
      payload: toHex(new TextEncoder().encode('Server Hello!\0')),
    });
    expect(await send(1, fromHex('010000000300000000000000'))).toEqual({ command: 1, payload: '010000000300000001000001' });
    expect(await send(1, fromHex('010000000300000002000000'))).toEqual({ command: 1, payload: '010000000300000001000200' });
    expect(await send(1, encodeDoe(1, 1, fromHex('10840000')))).toEqual({ command: 1, payload: '0100010005000000100400000003001000110012' });
    expect(await send(1, fromHex('01000100ff00000010840000'))).toEqual({ command: 1, payload: '' }); // DOE length mismatch: dropped
    expect(await send(0x1234, new Uint8Array(0))).toEqual({ command: 0xffff, payload: '' });
    expect(await send(0xfffe, new Uint8Array(0))).toEqual({ command: 0xfffe, payload: '' });
    await srv.done;
    sock.destroy();
    expect(frames).toHaveLength(14);
    expect(srv.platform.stats).toEqual({ frames: 7, normal: 4, dropped: 1 });
  });
});
