/** The local compute driver: instances as containers on this machine's engine. */
export { LocalComputeDriver, type LocalComputeDriverOptions } from './local-compute-driver.js';
