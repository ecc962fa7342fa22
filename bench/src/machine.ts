/** A description of the machine the suite ran on. */
import { cpus, loadavg, totalmem, platform, release, arch } from 'node:os';

/** Machine facts for the report. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly os: string;
  readonly node: string;
  /** 1-minute load average at the time of the call. */
  readonly load1: number;
}

/** Reads the machine facts now. */
export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    load1: loadavg()[0] ?? 0,
  };
}
