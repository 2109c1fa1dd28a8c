import { describe, expect, it } from 'vitest';
import {
  MountError,
  type MountedShare,
  type Mounter,
  type MountOptions,
  type MountTarget,
  type SmbCredential,
} from '../platform/index.js';
import { MountManager, type MountManagerOptions } from './mount-all.js';

/** A mounter whose every mount takes `delayMs`; `behave` decides each outcome. */
class SlowMounter implements Mounter {
  readonly os = 'linux' as const;
  readonly mounted = new Map<string, string>();
  readonly calls: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(
    private readonly delayMs: number,
    private readonly behave: (t: MountTarget, c: SmbCredential, attempt: number) => MountError | null = () => null,
  ) {}
  async mount(t: MountTarget, c: SmbCredential, o?: MountOptions) {
    this.calls.push(t.share);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, this.delayMs);
        o?.signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new MountError('timeout', 'aborted'));
        });
      });
      const err = this.behave(t, c, this.calls.filter((x) => x === t.share).length);
      if (err) throw err;
      this.mounted.set(t.share, `/mnt/${t.share}`);
      return { mountPoint: `/mnt/${t.share}` };
    } finally {
      this.inFlight--;
    }
  }
  async unmount(t: MountTarget) {
    this.mounted.delete(t.share);
  }
  async list(): Promise<MountedShare[]> {
    return [...this.mounted].map(([share, mountPoint]) => ({ share, host: 'motoko', mountPoint }));
  }
}

const shares = ['flux', 'time', 'space'].map((name) => ({ name, mount: true }));
function make(mounter: Mounter, extra: Partial<MountManagerOptions> = {}) {
  let fetches = 0;
  let password = 'pw-1';
  const m = new MountManager({
    mounter,
    credentials: {
      smb: async () => ({ username: 'ana', password }),
      refreshSmb: async () => {
        fetches++;
        password = extra.server ? password : 'pw-2';
        return { username: 'ana', password };
      },
    },
    server: { host: 'motoko', smbPort: 445, workgroup: 'WORKGROUP' },
    shares,
    probe: async () => true,
    autoRetry: false,
    retries: 0,
    backoffMs: 10,
    ...extra,
  });
  return { m, fetches: () => fetches };
}

describe('mountAll', () => {
  it('mounts three shares at once (max in flight 3), and a second call leaves them alone', async () => {
    const mounter = new SlowMounter(300);
    const changes: string[][] = [];
    const { m } = make(mounter, { onChange: (s) => changes.push(s.map((x) => x.state)) });
    const states = await m.mountAll();
    expect(states.every((s) => s.state === 'mounted')).toBe(true);
    expect(mounter.maxInFlight).toBe(3);
    expect(changes).toContainEqual(['mounting', 'mounting', 'mounting']);
    await m.mountAll();
    expect(mounter.calls).toHaveLength(3);
  });

  it('concurrent calls share one pass', async () => {
    const mounter = new SlowMounter(50);
    const { m } = make(mounter);
    await Promise.all([m.mountAll(), m.mountAll(), m.mountAll()]);
    expect(mounter.calls.sort()).toEqual(['flux', 'space', 'time']);
  });

  it('an unreachable server is reported for every share without calling the mounter', async () => {
    const mounter = new SlowMounter(10);
    const { m } = make(mounter, { probe: async () => false });
    const states = await m.mountAll();
    expect(states.map((s) => s.errorCode)).toEqual(['server-unreachable', 'server-unreachable', 'server-unreachable']);
    expect(mounter.calls).toEqual([]);
  });

  it('a rejected password is refetched once for all shares, and each retried once', async () => {
    const mounter = new SlowMounter(20, (t, c) =>
      c.password === 'pw-1' ? new MountError('credentials-rejected', 'refused') : null,
    );
    const { m, fetches } = make(mounter);
    const states = await m.mountAll();
    expect(states.every((s) => s.state === 'mounted')).toBe(true);
    expect(fetches()).toBe(1);
    expect(mounter.calls).toHaveLength(6);
  });

  it('a share that times out is reported as timeout, the others mount', async () => {
    const mounter = new SlowMounter(20);
    const slow = new SlowMounter(5000);
    const mixed: Mounter = {
      os: 'linux',
      mount: (t, c, o) => (t.share === 'time' ? slow.mount(t, c, o) : mounter.mount(t, c, o)),
      unmount: async () => undefined,
      list: async () => [],
    };
    const { m } = make(mixed, { timeoutMs: 100 });
    const states = await m.mountAll();
    expect(states.map((s) => [s.share, s.state, s.errorCode])).toEqual([
      ['flux', 'mounted', null],
      ['time', 'error', 'timeout'],
      ['space', 'mounted', null],
    ]);
  });

  it('transient failures are retried with backoff; permanent ones are not', async () => {
    const mounter = new SlowMounter(1, (t, _c, attempt) =>
      t.share === 'flux' && attempt < 3
        ? new MountError('unknown', 'glitch')
        : t.share === 'space'
          ? new MountError('share-missing', 'no')
          : null,
    );
    const { m } = make(mounter, { retries: 2 });
    const states = await m.mountAll();
    expect(states.map((s) => s.state)).toEqual(['mounted', 'mounted', 'error']);
    expect(mounter.calls.filter((c) => c === 'flux')).toHaveLength(3);
    expect(mounter.calls.filter((c) => c === 'space')).toHaveLength(1);
  });

  it('retries in the background while the server is unreachable, and remounts when it answers', async () => {
    let up = false;
    const mounter = new SlowMounter(1);
    const { m } = make(mounter, { probe: async () => up, autoRetry: true, backoffMs: 20, maxBackoffMs: 40 });
    await m.mountAll();
    expect(m.states().every((s) => s.errorCode === 'server-unreachable')).toBe(true);
    up = true;
    // No call from here on: the background retry alone must bring the shares up.
    await expect.poll(() => m.states().every((s) => s.state === 'mounted'), { timeout: 5000 }).toBe(true);
    m.dispose();
  });

  it('unmount stops wanting a share; onNetworkChange remounts only what is wanted', async () => {
    const mounter = new SlowMounter(1);
    const { m } = make(mounter);
    await m.mountAll();
    await m.unmount(['time']);
    mounter.mounted.clear();
    const states = await m.onNetworkChange();
    expect(states.map((s) => s.state)).toEqual(['mounted', 'unmounted', 'mounted']);
    await expect(m.mountAll(['nope'])).rejects.toThrow(/not a configured share/);
  });
});
