/** The exec wrapper's error and result types, for layers above system/ that classify failures but run nothing. */
export { ExecError, type ExecFailure, type ExecResult } from '../../lib/exec.js';
