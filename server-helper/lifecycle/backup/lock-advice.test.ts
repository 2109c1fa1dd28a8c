/** lockAdvice: what a failed run tells the admin to do about a lock a live restic holds. */
import { describe, expect, it } from 'vitest';
import { lockAdvice } from './restic-engine.js';

const here = (commands: Record<number, string>) => ({
  hostname: 'motoko',
  commandOf: (pid: number) => commands[pid] ?? null,
});

describe('lockAdvice', () => {
  it('on this server: which restic it is, and the kill that stops it cleanly', () => {
    expect(lockAdvice({ pid: 14280, host: 'motoko' }, here({ 14280: 'restic check' }))).toBe(
      'it is `restic check` on this server; if no backup, check or restore of yours is running, stop it: kill -INT 14280',
    );
  });

  it('on this server but not a restic it can name: still the PID, without claiming what it is', () => {
    expect(lockAdvice({ pid: 99, host: 'motoko' }, here({}))).toBe(
      'it runs on this server; if no backup, check or restore of yours is running, stop it: kill -INT 99',
    );
  });

  it('on another computer: no kill of a PID that means nothing here', () => {
    expect(lockAdvice({ pid: 14280, host: 'laptop' }, here({ 14280: 'restic check' }))).toBe(
      'it runs on another computer (laptop): stop restic there',
    );
  });

  it('without the lock named: the general advice', () => {
    expect(lockAdvice(undefined, here({}))).toMatch(/^if no backup, check or restore is running/);
  });
});
