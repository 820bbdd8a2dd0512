/**
 * GET /status as the extension reads it: the shared client's StatusResponse
 * plus the fields newer daemons add, all optional (an older daemon lacks them).
 */
import type { StatusResponse, WorkspaceStatus } from '../../daemon-client.js';

/** One problem in a workspace's cvu.config.ts (read as data; parts of it refused). */
export interface ConfigError {
  file: string;
  /** 1-based; 0 when unknown. */
  line: number;
  /** 1-based; 0 when unknown. */
  column: number;
  /** The setting, e.g. `model` (may be empty). */
  key: string;
  message: string;
}

export interface WorkspaceConfigStatus {
  /** The workspace's config file, or null when it has none. */
  file: string | null;
  errors: ConfigError[];
}

export type DaemonWorkspaceStatus = WorkspaceStatus & { config?: WorkspaceConfigStatus };

export type DaemonStatus = Omit<StatusResponse, 'workspaces'> & { workspaces: DaemonWorkspaceStatus[] };
