/** What this tool needs to know about a local image. */
import type Docker from 'dockerode';

export interface ImageFacts {
  id: string;
  /** The image's `USER` ("" = root). */
  user: string;
  labels: Record<string, string>;
}

/** Facts about `ref`, or undefined when the engine does not have it. */
export async function inspectImage(docker: Docker, ref: string): Promise<ImageFacts | undefined> {
  try {
    const info = await docker.getImage(ref).inspect();
    return { id: info.Id, user: info.Config?.User ?? '', labels: (info.Config?.Labels as Record<string, string> | null) ?? {} };
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}
