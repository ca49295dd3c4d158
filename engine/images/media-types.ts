/** Media types of the Docker and OCI image formats, and the mapping between the two. */

export const MediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** The compression a layer blob carries. */
export type LayerCompression = 'none' | 'gzip' | 'zstd';

/** The OCI layer media type for a compression. */
export function ociLayerMediaType(compression: LayerCompression): string {
  if (compression === 'gzip') return MediaTypes.ociLayerGzip;
  if (compression === 'zstd') return MediaTypes.ociLayerZstd;
  return MediaTypes.ociLayer;
}

/** The Docker schema2 layer media type for a compression; Docker has none for zstd. */
export function dockerLayerMediaType(compression: LayerCompression): string | undefined {
  if (compression === 'gzip') return MediaTypes.dockerLayerGzip;
  if (compression === 'none') return MediaTypes.dockerLayer;
  return undefined;
}

/** The compression a layer media type (of either format) says its blob has. */
export function layerCompression(mediaType: string): LayerCompression {
  if (mediaType.endsWith('+gzip') || mediaType.endsWith('.gzip')) return 'gzip';
  if (mediaType.endsWith('+zstd')) return 'zstd';
  return 'none';
}
