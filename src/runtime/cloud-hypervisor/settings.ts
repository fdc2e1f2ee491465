// What the runtime is configured with (from [server.runtime.cloud_hypervisor]; see src/config.ts).
export interface ChSettings {
  binaryPath: string;
  firmwarePath: string;
  socketDir: string;
  seccomp: 'true' | 'false' | 'log' | 'errno' | null;
  guestSubnet: string;
  manageNat: boolean;
  /** Resolved virtiofsd, or null when none is installed (volumes then fail with that reason). */
  virtiofsd: string | null;
  maxConsoleLogBytes: number;
  maxConsoleLogBackups: number;
  consoleLogRotateIntervalMs: number;
  /** How long the VMM may take to create its API socket (Ring: 5 s; busy hosts need more). */
  socketTimeoutMs: number;
}
