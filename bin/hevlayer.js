#!/usr/bin/env node
// The CLI runs from TypeScript sources through tsx, so `npx hevlayer` works from a fresh checkout
// without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
