#!/usr/bin/env node
// The `vqdsr` command (package.json "bin"). The CLI is TypeScript shared with the app, run through
// tsx's loader, so there is no build step between editing the pipeline and making training data.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
