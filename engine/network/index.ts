/** Container networking: the contract (see network.ts); the bridge implementation is network-service.ts. */
export type { ContainerNetworkFiles, ContainerNetworking, Endpoint, EndpointRequest, NetworkOptions, NetworkRecord, NetworkedContainer, PortMapping, PortRequest } from './network.js';
