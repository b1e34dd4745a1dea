/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number;
/** One 481-byte append + `fdatasync` on the disk of `folder`, median of 200, in µs. */
export function appendFloor(folder: string): number;
