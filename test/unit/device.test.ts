/** Device selection on made-up machines: no CUDA in libtorch, CUDA but no GPU, two GPUs. */
import { describe, expect, it } from 'vitest';
import { chooseDevice } from '../../lib/model/device';
import { thrown } from '../helpers';

const cpuOnly = () => ({ cudaCompiled: false, cudaVersion: '', cudaDeviceCount: 0, libtorchVersion: '1.13.0' });
const noGpu = () => ({ cudaCompiled: true, cudaVersion: '13.0', cudaDeviceCount: 0, libtorchVersion: '2.11.0' });
const twoGpus = () => ({ cudaCompiled: true, cudaVersion: '13.0', cudaDeviceCount: 2, libtorchVersion: '2.11.0' });

describe('chooseDevice', () => {
  it("'auto' (the default) is CUDA only when libtorch has it and a GPU is visible", () => {
    expect(chooseDevice(undefined, undefined, cpuOnly)).toBe('cpu');
    expect(chooseDevice('auto', undefined, noGpu)).toBe('cpu');
    expect(chooseDevice(undefined, undefined, twoGpus)).toBe('cuda');
    expect(chooseDevice('cpu', undefined, twoGpus)).toBe('cpu');
  });

  it('DBN_DEVICE sets the default; an explicit option wins over it', () => {
    expect(chooseDevice(undefined, 'cpu', twoGpus)).toBe('cpu');
    expect(chooseDevice('cuda:1', 'cpu', twoGpus)).toBe('cuda:1');
    expect(chooseDevice(undefined, '', twoGpus)).toBe('cuda');
    const e = thrown(() => chooseDevice(undefined, 'cuda', cpuOnly));
    expect(e.code).toBe('DBN_CUDA_UNAVAILABLE');
    expect(e.message).toMatch(/^DBN_DEVICE is "cuda"/);
  });

  it('says which reason holds: no CUDA in libtorch, no GPU visible, no such index', () => {
    const noCuda = thrown(() => chooseDevice('cuda', undefined, cpuOnly));
    expect(noCuda.code).toBe('DBN_CUDA_UNAVAILABLE');
    expect(noCuda.message).toMatch(/built without CUDA.*pip install torch.*"auto" or "cpu"/);
    const none = thrown(() => chooseDevice('cuda:0', undefined, noGpu));
    expect(none.message).toMatch(/no GPU is visible: check the NVIDIA driver \(nvidia-smi\) and CUDA_VISIBLE_DEVICES/);
    const index = thrown(() => chooseDevice('cuda:2', undefined, twoGpus));
    expect(index.message).toMatch(/2 CUDA device\(s\) are visible \(cuda:0 to cuda:1\)/);
    expect(chooseDevice('cuda:1', undefined, twoGpus)).toBe('cuda:1');
  });

  it('rejects what is not a device name with DBN_INVALID_ARGUMENT', () => {
    for (const bad of ['gpu', 'cuda:', 'cuda:01', 'CUDA', 'cuda:-1', 3, null]) {
      expect(thrown(() => chooseDevice(bad, undefined, twoGpus)).code).toBe('DBN_INVALID_ARGUMENT');
    }
  });
});
