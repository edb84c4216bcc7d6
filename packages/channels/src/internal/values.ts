/** Value blocks (encoded values out of line in the world heap) live in core: see its internal/values.ts. */
import { substrate } from '@gocsp/core';

export const { storeValue, takeValue, copyIn, copyOut } = substrate;
