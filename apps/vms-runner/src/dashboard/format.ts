/** Formatting of times, durations and states for the dashboard. */
import type { RunState } from '@vms/flow-core';

/** `2026-03-09 02:00:05 UTC` for an epoch-ms time, or `—`. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}

/** `850 ms`, `12.3 s`, `4 m 05 s`, `2 h 03 m`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} m`;
}

/** Colour of a state (bars, badges). */
export function stateColour(state: RunState | string): string {
  switch (state) {
    case 'Completed':
      return '#2e7d32';
    case 'Failed':
    case 'Crashed':
      return '#c62828';
    case 'Cancelled':
    case 'Skipped':
      return '#757575';
    case 'Running':
      return '#1565c0';
    case 'Retrying':
    case 'Late':
      return '#ef6c00';
    default:
      return '#6a1b9a';
  }
}
