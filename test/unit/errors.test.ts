/** The closed error-code list must be identical in C++ (native/common/error.h) and TS. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../lib/model/errors';
import { native } from '../../lib/native';
import { ROOT } from '../helpers';

describe('error codes', () => {
  it('the addon exports the same codes, in the same order, as lib/errors.ts', () => {
    expect(native().errorCodes).toEqual([...ERROR_CODES]);
  });

  it('the C++ enum lists as many codes as kErrorCodeNames', () => {
    const header = fs.readFileSync(path.join(ROOT, 'native/common/error.h'), 'utf8');
    const enumBody = /enum class ErrorCode \{([^}]*)\}/.exec(header)![1]!;
    const enumerators = enumBody.replace(/\/\/.*$/gm, '').split(',').map((s) => s.trim()).filter(Boolean);
    expect(enumerators.length).toBe(ERROR_CODES.length);
    // kInvalidArgument <-> DBN_INVALID_ARGUMENT, in order.
    const asCodes = enumerators.map((e) => 'DBN_' + e.slice(1).replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase());
    expect(asCodes).toEqual([...ERROR_CODES]);
  });
});
