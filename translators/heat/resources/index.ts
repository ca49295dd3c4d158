/** The resource types implemented here without any service: they are pure computation. */
import type { ResourceType } from '../resource-type.js';
import { noneType } from './none.js';
import { randomStringType } from './random-string.js';
import { valueType } from './value.js';

/** OS::Heat::RandomString, OS::Heat::Value, OS::Heat::None. */
export function builtinResourceTypes(): ResourceType[] {
  return [randomStringType, valueType, noneType];
}
