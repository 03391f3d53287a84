/**
 * VPC CNI version strings as EKS and the aws-node image report them: `v1.19.2-eksbuild.1`, `1.9.0`, `v1.7.5`.
 * Pure: no AWS import.
 */

export interface CniVersion {
  major: number;
  minor: number;
  /** 0 when the string names no patch. */
  patch: number;
  /** The string as given. */
  raw: string;
}

/** A CNI version string that names no `major.minor`. */
export class InvalidCniVersionError extends Error {
  override readonly name = 'InvalidCniVersionError';
  constructor(readonly value: string) {
    super(`not a VPC CNI version: "${value}" (expected e.g. 1.19.2 or v1.19.2-eksbuild.1)`);
  }
}

const VERSION_RE = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+].*)?$/;

/** Parses `1.19.2`, `v1.19.2-eksbuild.1`, `1.9`; throws InvalidCniVersionError otherwise. */
export function parseCniVersion(value: string): CniVersion {
  const m = VERSION_RE.exec(value.trim());
  if (!m) throw new InvalidCniVersionError(value);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), raw: value };
}

/** Like parseCniVersion, but undefined for an unparseable string. */
export function tryParseCniVersion(value: string | undefined): CniVersion | undefined {
  if (value === undefined) return undefined;
  try {
    return parseCniVersion(value);
  } catch {
    return undefined;
  }
}

/** Negative, zero or positive, as `a` is older than, equal to or newer than `b` (major.minor.patch only). */
export function compareCniVersions(a: CniVersion, b: CniVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** True when `v` is at least `min` (`"1.7.7"`). */
export function cniAtLeast(v: CniVersion, min: string): boolean {
  return compareCniVersions(v, parseCniVersion(min)) >= 0;
}

/** `v1.19.2` for display, whatever prefix or build suffix the input had. */
export function formatCniVersion(v: CniVersion): string {
  return `v${v.major}.${v.minor}.${v.patch}`;
}

/** The version in an image reference such as `602401143452.dkr.ecr.eu-west-1.amazonaws.com/amazon-k8s-cni:v1.19.2-eksbuild.1`. */
export function cniVersionFromImage(image: string | undefined): CniVersion | undefined {
  if (!image) return undefined;
  const tag = image.slice(image.lastIndexOf(':') + 1);
  if (tag === image || tag.includes('/')) return undefined;
  return tryParseCniVersion(tag);
}
