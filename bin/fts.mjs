#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so a checkout works without a build step.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../electron/core/cli.ts');
process.exitCode = await main(process.argv.slice(2));
