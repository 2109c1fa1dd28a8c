/** lockAdvice: what a failed run tells the admin to do about a lock a live restic holds. */
import { describe, expect, it } from 'vitest';
import { lockAdvice, type LockHolder } from './restic-engine.js';

const here = (holders: Record<number, LockHolder>) => ({
  hostname: 'motoko',
  processOf: (pid: number): LockHolder => holders[pid] ?? { kind: 'unknown' },
});

describe('lockAdvice', () => {
  it('on this server: which restic it is, and the kill that stops it cleanly', () => {
    expect(
      lockAdvice({ pid: 14280, host: 'motoko' }, here({ 14280: { kind: 'restic', command: 'restic check' } })),
    ).toBe(
      'it is `restic check` on this server; if no backup, check or restore of yours is running, stop it: kill -INT 14280',
    );
  });

  it('a PID that is now another program (reused after a restart): no kill, the lock is said to be left over', () => {
    const advice = lockAdvice({ pid: 99, host: 'motoko' }, here({ 99: { kind: 'other', name: 'smbd' } }));
    expect(advice).toBe(
      'PID 99 is now `smbd`, not restic: the lock was left before a restart; restic calls it stale 30 min after it was made, and the next run removes it',
    );
    expect(advice).not.toContain('kill');
  });

  it('on this server, a process it cannot read: the PID, without claiming what it is', () => {
    expect(lockAdvice({ pid: 99, host: 'motoko' }, here({}))).toBe(
      'it runs on this server; if no backup, check or restore of yours is running, stop it: kill -INT 99',
    );
  });

  it('on another computer: no kill of a PID that means nothing here', () => {
    expect(
      lockAdvice({ pid: 14280, host: 'laptop' }, here({ 14280: { kind: 'restic', command: 'restic check' } })),
    ).toBe('it runs on another computer (laptop): stop restic there');
  });

  it('without the lock named: the general advice', () => {
    expect(lockAdvice(undefined, here({}))).toMatch(/^if no backup, check or restore is running/);
  });
});
