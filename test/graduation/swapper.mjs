// The attacker of symlink-race.test.ts, as a separate process: a user with write access to flux and space who
// swaps an entry for a symlink to a folder outside the roots and back, as fast as it can, while root
// graduates. argv[2] is a JSON list of { path, stash, target }: `path` (a folder or file in a root) is renamed
// to `stash` (a name the scan excludes), a symlink to `target` takes its place, then the symlink goes and the
// entry comes back. On "stop" (a line on stdin) every entry is put back and the number of swaps printed.
import { renameSync, symlinkSync, unlinkSync } from 'node:fs';

const swaps = JSON.parse(process.argv[2]).map((s) => ({ ...s, swapped: false, done: false }));
let count = 0;
let stopping = false;
/** The first errors met, for the test's message. */
const errors = [];

/** One flip of one entry: real → symlink, or symlink → real. An entry graduation took away is left alone. */
function flip(s) {
  try {
    if (!s.swapped) {
      renameSync(s.path, s.stash);
      s.swapped = true;
      symlinkSync(s.target, s.path);
    } else {
      try {
        unlinkSync(s.path);
      } catch {
        // The symlink may have been moved or removed by graduation: the entry comes back anyway.
      }
      renameSync(s.stash, s.path);
      s.swapped = false;
    }
    count++;
  } catch (err) {
    // The real entry is gone (a file that graduated): nothing left to swap.
    if (errors.length < 5) errors.push(`${s.path}: ${err.code}`);
    if (!s.swapped) s.done = true;
  }
}

function restore() {
  for (const s of swaps) if (s.swapped) flip(s);
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  if (d.includes('stop')) stopping = true;
});
process.stdout.write('ready\n');

// Swaps run in slices so stdin's "stop" is seen between them.
function slice() {
  if (stopping) {
    restore();
    process.stdout.write(`${JSON.stringify({ swaps: count, errors })}\n`);
    process.exit(0);
  }
  for (let k = 0; k < 200; k++) for (const s of swaps) if (!s.done) flip(s);
  setImmediate(slice);
}
slice();
