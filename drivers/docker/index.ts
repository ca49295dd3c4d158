/** The docker compute driver: instances as containers on a Docker Engine host. */
export { DockerComputeDriver, type DockerComputeDriverOptions } from './docker-compute-driver.js';
