/** The runtime contract. */
export type {
  CreatedContainer, CreateOptions, ExecIO, ExecProcess, ExitStatus, ResourceLimits, Runtime, RuntimeName, RuntimeState,
  RuntimeStatus, Signal,
} from './runtime.js';
