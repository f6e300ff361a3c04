export interface ProcessSample {
  pid: number;
  uptimeSeconds: number;
  cpu: {
    /** CPU time over wall time since the previous sample (or since the sampler started); 100 = one core. */
    percent: number;
    userSeconds: number;
    systemSeconds: number;
  };
  memory: { rss: number; heapUsed: number; heapTotal: number; external: number };
}

/** CPU and memory of this process. Each instance keeps its own previous sample (no shared state). */
export class ProcessUsage {
  #lastCpu = process.cpuUsage();
  #lastAt = performance.now();

  sample(): ProcessSample {
    const cpu = process.cpuUsage();
    const at = performance.now();
    const usedUs = cpu.user - this.#lastCpu.user + (cpu.system - this.#lastCpu.system);
    const elapsedMs = at - this.#lastAt;
    this.#lastCpu = cpu;
    this.#lastAt = at;
    const mem = process.memoryUsage();
    return {
      pid: process.pid,
      uptimeSeconds: Math.round(process.uptime() * 1000) / 1000,
      cpu: {
        percent: elapsedMs <= 0 ? 0 : Math.round((usedUs / 10 / elapsedMs) * 10) / 10,
        userSeconds: cpu.user / 1e6,
        systemSeconds: cpu.system / 1e6,
      },
      memory: { rss: mem.rss, heapUsed: mem.heapUsed, heapTotal: mem.heapTotal, external: mem.external },
    };
  }
}
