/** A process's times from /proc/PID/stat, in clock ticks (see testCost.mjs). */
export interface StatTimes {
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
}
export interface FileCost {
  file: string;
  /** Seconds. */
  wall: number;
  /** CPU seconds of the worker itself. */
  own: number;
  /** CPU seconds of the processes the worker started and waited for. */
  children: number;
  cpu: number;
}
export const TICKS: number;
export function statTimes(text: string): StatTimes;
export function ownTimes(): StatTimes;
export function machineTicks(text: string): { busy: number; idle: number };
export function fileCosts(text: string): FileCost[];
export function costTable(costs: FileCost[], machine?: { busy: number; idle: number; wall: number }): string;
