#!/usr/bin/env node
/**
 * The `vms-runner` binary: parses the command line with `node:util` `parseArgs` and dispatches
 * to the command functions of `src/commands/`. Exit codes: 0 success, 1 a run or check failed,
 * 2 bad usage or configuration.
 */
import { main } from './commands/main';

process.exitCode = await main(process.argv.slice(2));
