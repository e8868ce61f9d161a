/**
 * Placeholder replaced below in this change.
 */
import type { ScanTarget } from './engine.ts';

export interface WarmProgress {
  readonly index: string;
}
export interface IndexWarmer {
  start(target: ScanTarget, reason: string): WarmProgress;
  progress(): WarmProgress;
}
export interface Warmers {
  get(index: string): IndexWarmer | undefined;
}
