#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so a checkout works without a build step.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../server-helper/cli.ts');
const code = await main(process.argv.slice(2));
// `serve` keeps running; everything else exits with its code.
if (process.argv[2] !== 'serve' || code !== 0) process.exitCode = code;
