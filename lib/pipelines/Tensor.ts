/**
 * A Tensor shaped like transformers.js's (`dims`, `type`, `data`, `size`, `tolist()`), so code
 * written against transformers.js's feature-extraction output runs unchanged. Row-major float32.
 */
export class Tensor {
  readonly type = 'float32' as const;
  readonly dims: number[];
  readonly data: Float32Array;

  constructor(data: Float32Array, dims: number[]) {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new RangeError(`Tensor: dims [${dims.join(', ')}] hold ${size} values, data has ${data.length}`);
    this.data = data;
    this.dims = dims;
  }

  /** Number of values (the product of `dims`). */
  get size(): number {
    return this.data.length;
  }

  /** Nested arrays of numbers, one level per dimension. */
  tolist(): unknown[] {
    const build = (offset: number, d: number): unknown[] | number[] => {
      const n = this.dims[d]!;
      if (d === this.dims.length - 1) return Array.from(this.data.subarray(offset, offset + n));
      const stride = this.dims.slice(d + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: n }, (_, i) => build(offset + i * stride, d + 1));
    };
    return this.dims.length === 0 ? [] : build(0, 0);
  }
}
