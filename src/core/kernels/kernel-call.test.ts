import { describe, expect, it } from 'vitest';
import { AdapterLimitExceeded } from '../errors.ts';
import { prepareCall } from './kernel-call.ts';
import { useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();

describe('prepareCall', () => {
  it('refuses a dispatch over the adapter\'s workgroup limit with AdapterLimitExceeded and the numbers', async () => {
    const small = { ...gpu(), limits: { ...gpu().limits, maxComputeWorkgroupsPerDimension: 4 } } as ReturnType<typeof gpu>;
    const call = prepareCall(small, 'probe', '@compute @workgroup_size(1) fn main() {}', [], [5, 1, 1]);
    await expect(call).rejects.toBeInstanceOf(AdapterLimitExceeded);
    await expect(call).rejects.toThrow("probe: a dispatch of 5x1x1 workgroups needs 5 workgroups but the adapter's maxComputeWorkgroupsPerDimension is 4 workgroups");
  });
});
