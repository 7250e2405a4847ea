/** The image references an engine holds locally (for "installed" marks in connector lists). */
import type Docker from 'dockerode';

/** Every `repository:tag` the engine has (dangling images have none and are left out). */
export async function listLocalImageRefs(docker: Docker): Promise<Set<string>> {
  const images = await docker.listImages();
  const refs = new Set<string>();
  for (const image of images) for (const tag of image.RepoTags ?? []) if (tag !== '<none>:<none>') refs.add(tag);
  return refs;
}
